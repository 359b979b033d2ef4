import { allMigrations } from '@outpost/migrations';
import type { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKinds, type TestDatabase } from '../../test/testing/test-database';
import { AgentEntity } from '../agents/agent.entity';
import { CredentialEntity } from '../credentials/credential.entity';
import { PrimaryElectionEntity } from '../election/primary-election.entity';
import { ZoneLeaseEntity } from '../election/zone-lease.entity';
import { EventEntity } from '../events/event.entity';
import { TaskLogChunkEntity } from '../tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../tasks/task-run.entity';
import { TaskStepEntity } from '../tasks/task-step.entity';
import { TaskEntity } from '../tasks/task.entity';
import { ApiTokenEntity } from '../users/api-token.entity';
import { UserEntity } from '../users/user.entity';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { JoinTokenEntity } from '../zones/join-token.entity';
import { ZoneApiKeyEntity } from '../zones/zone-api-key.entity';
import { ZoneEntity } from '../zones/zone.entity';
import { pendingSchemaChanges, runMigrations } from './migrate';

const FOREIGN_KEY_FAILURE = /foreign key constraint/i;
const UNIQUE_FAILURE = /Duplicate entry|UNIQUE constraint failed/i;

describe.each(testDatabaseKinds())('schema on %s', (kind) => {
  describe('migrations', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(kind, { migrate: false });
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('apply on an empty database and leave nothing for the entities to add', async () => {
      expect(await existingEntityTables(db.dataSource)).toEqual([]);

      const applied = await runMigrations(db.dataSource);

      expect(applied).toEqual(allMigrations.map((migration) => migration.name));
      expect(await existingEntityTables(db.dataSource)).toEqual(entityTables(db.dataSource));
      expect(await pendingSchemaChanges(db.dataSource)).toEqual([]);
      expect(await runMigrations(db.dataSource)).toEqual([]);
    });

    it('revert the newest migration and re-apply it, and still agree with the entities', async () => {
      const newest = allMigrations[allMigrations.length - 1]!.name;

      await db.dataSource.undoLastMigration({ transaction: 'each' });
      // The check is not blind: with the newest migration reverted, the entities disagree.
      expect(await pendingSchemaChanges(db.dataSource)).not.toEqual([]);
      if (allMigrations.length === 1) expect(await existingEntityTables(db.dataSource)).toEqual([]);

      expect(await runMigrations(db.dataSource)).toEqual([newest]);
      expect(await pendingSchemaChanges(db.dataSource)).toEqual([]);
    });
  });

  describe('constraints', () => {
    let db: TestDatabase;
    let ds: DataSource;
    beforeAll(async () => {
      db = await createTestDatabase(kind);
      ds = db.dataSource;
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('refuses a task for a zone that does not exist', async () => {
      const zone = await insertZone(ds, 'fk-ok');
      await expect(insertTask(ds, zone.id, 'accepted')).resolves.toBeDefined();

      await expect(insertTask(ds, zone.id + 10_000, 'orphan')).rejects.toThrow(FOREIGN_KEY_FAILURE);
      expect(await ds.getRepository(TaskEntity).countBy({ name: 'orphan' })).toBe(0);
    });

    it('deletes everything a zone owns with it, keeps its events and leaves other zones alone', async () => {
      const user = await insertUser(ds, 'cascade-owner');
      const doomed = await seedZone(ds, 'cascade-doomed', user.id);
      const kept = await seedZone(ds, 'cascade-kept', user.id);
      const before = await countZoneRows(ds, kept.zoneId);

      await ds.getRepository(ZoneEntity).delete(doomed.zoneId);

      expect(await ds.getRepository(ZoneEntity).existsBy({ id: doomed.zoneId })).toBe(false);
      expect(await countZoneRows(ds, doomed.zoneId)).toEqual({
        apiKeys: 0,
        joinTokens: 0,
        agents: 0,
        leases: 0,
        elections: 0,
        tasks: 0,
        steps: 0,
        runs: 0,
        logChunks: 0,
        credentials: 0,
        webhookSubscriptions: 0,
      });
      // Rows found by their own ids, not only through the zone: nothing is left dangling.
      expect(await ds.getRepository(TaskStepEntity).countBy({ taskId: doomed.taskId })).toBe(0);
      expect(await ds.getRepository(TaskLogChunkEntity).countBy({ runId: doomed.runId })).toBe(0);
      expect(await ds.getRepository(TaskLogChunkEntity).countBy({ taskId: doomed.taskId })).toBe(0);
      expect(await ds.getRepository(EventEntity).countBy({ zoneId: doomed.zoneId })).toBe(1);

      expect(await countZoneRows(ds, kept.zoneId)).toEqual(before);
      expect(Object.values(before).every((count) => count > 0)).toBe(true);
      expect(await ds.getRepository(UserEntity).existsBy({ id: user.id })).toBe(true);
    });

    it('keeps history but forgets the agent or user when they are deleted', async () => {
      const user = await insertUser(ds, 'set-null-owner');
      const seeded = await seedZone(ds, 'set-null', user.id);
      const token = await ds.getRepository(ApiTokenEntity).save({
        userId: user.id,
        name: 'ci',
        prefix: 'op_snull',
        tokenHash: hash('set-null-token'),
        createdAt: new Date(),
      });

      await ds.getRepository(AgentEntity).delete(seeded.agentId);
      await ds.getRepository(UserEntity).delete(user.id);

      const lease = await ds.getRepository(ZoneLeaseEntity).findOneByOrFail({ zoneId: seeded.zoneId });
      expect(lease.agentId).toBeNull();
      const run = await ds.getRepository(TaskRunEntity).findOneByOrFail({ id: seeded.runId });
      expect(run.agentId).toBeNull();
      expect(run.agentKey).toBe('agent-set-null');
      const election = await ds
        .getRepository(PrimaryElectionEntity)
        .findOneByOrFail({ zoneId: seeded.zoneId });
      expect(election.agentId).toBeNull();
      const task = await ds.getRepository(TaskEntity).findOneByOrFail({ id: seeded.taskId });
      expect(task.createdByUserId).toBeNull();
      expect(await ds.getRepository(ApiTokenEntity).existsBy({ id: token.id })).toBe(false);
    });

    it('refuses a second zone with the same name', async () => {
      await insertZone(ds, 'unique-zone');
      await expect(insertZone(ds, 'unique-zone')).rejects.toThrow(UNIQUE_FAILURE);
      expect(await ds.getRepository(ZoneEntity).countBy({ name: 'unique-zone' })).toBe(1);
    });

    it('refuses a credential key twice in one zone but allows it in another zone', async () => {
      const first = await insertZone(ds, 'credentials-a');
      const second = await insertZone(ds, 'credentials-b');
      await insertCredential(ds, first.id, 'DB_PASSWORD');

      await expect(insertCredential(ds, first.id, 'DB_PASSWORD')).rejects.toThrow(UNIQUE_FAILURE);
      await expect(insertCredential(ds, second.id, 'DB_PASSWORD')).resolves.toBeDefined();
      expect(await ds.getRepository(CredentialEntity).countBy({ key: 'DB_PASSWORD' })).toBe(2);
    });

    it('keeps timestamps to the millisecond, in UTC, and JSON and booleans as written', async () => {
      const at = new Date('2025-03-04T05:06:07.089Z');
      const zone = await ds
        .getRepository(ZoneEntity)
        .save({ name: 'precision', labels: { env: 'prod', 'team/x': 'a=b' }, createdAt: at, updatedAt: at });
      const user = await insertUser(ds, 'precision-user');

      const read = await ds.getRepository(ZoneEntity).findOneByOrFail({ id: zone.id });
      expect(read.createdAt.toISOString()).toBe('2025-03-04T05:06:07.089Z');
      expect(read.labels).toEqual({ env: 'prod', 'team/x': 'a=b' });
      expect(read.platform).toBe('linux');
      const readUser = await ds.getRepository(UserEntity).findOneByOrFail({ id: user.id });
      expect(readUser.isDisabled).toBe(false);
    });
  });
});

function entityTables(ds: DataSource): string[] {
  return ds.entityMetadatas.map((metadata) => metadata.tableName).sort();
}

async function existingEntityTables(ds: DataSource): Promise<string[]> {
  const queryRunner = ds.createQueryRunner();
  try {
    const present: string[] = [];
    for (const table of entityTables(ds)) if (await queryRunner.hasTable(table)) present.push(table);
    return present;
  } finally {
    await queryRunner.release();
  }
}

function hash(seed: string): string {
  return Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64);
}

async function insertRow<T extends ObjectLiteral>(
  ds: DataSource,
  entity: EntityTarget<T>,
  row: DeepPartial<T>,
): Promise<T> {
  const repository = ds.getRepository(entity);
  return repository.save(repository.create(row));
}

function insertUser(ds: DataSource, username: string): Promise<UserEntity> {
  const now = new Date();
  return insertRow(ds, UserEntity, {
    username,
    passwordHash: 'x',
    role: 'operator',
    createdAt: now,
    updatedAt: now,
  });
}

function insertZone(ds: DataSource, name: string): Promise<ZoneEntity> {
  const now = new Date();
  return insertRow(ds, ZoneEntity, { name, labels: {}, createdAt: now, updatedAt: now });
}

function insertCredential(ds: DataSource, zoneId: number, key: string): Promise<CredentialEntity> {
  const now = new Date();
  return insertRow(ds, CredentialEntity, {
    zoneId,
    key,
    valueCiphertext: 'v1:cipher',
    createdAt: now,
    updatedAt: now,
  });
}

function insertTask(
  ds: DataSource,
  zoneId: number,
  name: string,
  createdByUserId: number | null = null,
): Promise<TaskEntity> {
  const now = new Date();
  return insertRow(ds, TaskEntity, {
    zoneId,
    name,
    taskType: 'atOnce',
    status: 'wait-polling',
    targetKind: 'any',
    exeAgentChangeable: true,
    parameter: '',
    showLog: true,
    eventFilter: 'all-statuses',
    totalStepCount: 1,
    hasRecover: false,
    createdByUserId,
    createdAt: now,
    updatedAt: now,
  });
}

/** A zone with one of everything that belongs to it. */
async function seedZone(ds: DataSource, name: string, userId: number) {
  const now = new Date();
  const zone = await insertZone(ds, name);
  await insertRow(ds, ZoneApiKeyEntity, {
    zoneId: zone.id,
    name: 'default',
    prefix: name.slice(0, 16),
    secretHash: hash(`key-${name}`),
    createdByUserId: userId,
    createdAt: now,
  });
  await insertRow(ds, JoinTokenEntity, {
    zoneId: zone.id,
    tokenHash: hash(`join-${name}`),
    prefix: name.slice(0, 16),
    labels: { role: 'web' },
    maxUses: 1,
    expiresAt: new Date(now.getTime() + 3_600_000),
    createdByUserId: userId,
    createdAt: now,
  });
  const agent = await insertRow(ds, AgentEntity, {
    zoneId: zone.id,
    agentKey: `agent-${name}`,
    credentialHash: hash(`cred-${name}`),
    hostname: `${name}.lan`,
    ips: ['10.0.0.2'],
    lanPort: 18800,
    version: '0.1.0',
    platform: 'linux',
    labels: {},
    cpuCores: 4,
    state: 'online',
    joinedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  await insertRow(ds, ZoneLeaseEntity, {
    zoneId: zone.id,
    agentId: agent.id,
    epoch: 1,
    expiresAt: now,
    acquiredAt: now,
  });
  await insertRow(ds, PrimaryElectionEntity, {
    zoneId: zone.id,
    agentId: agent.id,
    epoch: 1,
    reason: 'first',
    electedAt: now,
  });
  const task = await insertTask(ds, zone.id, `task-${name}`, userId);
  await insertRow(ds, TaskStepEntity, {
    taskId: task.id,
    seq: 1,
    commandName: 'hello',
    commandType: 'inline',
    command: 'echo hi',
    isRecover: false,
  });
  const run = await insertRow(ds, TaskRunEntity, {
    taskId: task.id,
    zoneId: zone.id,
    agentId: agent.id,
    agentKey: agent.agentKey,
    attempt: 1,
    status: 'running',
    leaseEpoch: 1,
    createdAt: now,
    updatedAt: now,
  });
  await insertRow(ds, TaskLogChunkEntity, {
    runId: run.id,
    seq: 1,
    taskId: task.id,
    stepSeq: 1,
    stream: 'stdout',
    content: 'hi\n',
    createdAt: now,
  });
  await insertRow(ds, CredentialEntity, {
    zoneId: zone.id,
    key: 'TOKEN',
    valueCiphertext: 'v1:cipher',
    createdAt: now,
    updatedAt: now,
  });
  await insertRow(ds, WebhookSubscriptionEntity, {
    zoneId: zone.id,
    url: 'https://hooks.example.test/outpost',
    eventTypes: ['task.finished'],
    secretCiphertext: 'v1:cipher',
    createdByUserId: userId,
    createdAt: now,
    updatedAt: now,
  });
  await insertRow(ds, EventEntity, {
    type: 'zone.created',
    schemaVersion: 1,
    zoneId: zone.id,
    payload: { name },
    occurredAt: now,
  });
  return { zoneId: zone.id, agentId: agent.id, taskId: task.id, runId: run.id };
}

async function countZoneRows(ds: DataSource, zoneId: number) {
  const count = (entity: EntityTarget<ObjectLiteral>) => ds.getRepository(entity).countBy({ zoneId });
  const taskIds = (await ds.getRepository(TaskEntity).find({ select: { id: true }, where: { zoneId } })).map(
    (task) => task.id,
  );
  const byTask = async (entity: EntityTarget<ObjectLiteral>) => {
    let total = 0;
    for (const taskId of taskIds) total += await ds.getRepository(entity).countBy({ taskId });
    return total;
  };
  return {
    apiKeys: await count(ZoneApiKeyEntity),
    joinTokens: await count(JoinTokenEntity),
    agents: await count(AgentEntity),
    leases: await count(ZoneLeaseEntity),
    elections: await count(PrimaryElectionEntity),
    tasks: await count(TaskEntity),
    steps: await byTask(TaskStepEntity),
    runs: await count(TaskRunEntity),
    logChunks: await byTask(TaskLogChunkEntity),
    credentials: await count(CredentialEntity),
    webhookSubscriptions: await count(WebhookSubscriptionEntity),
  };
}
