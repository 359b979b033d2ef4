import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ElectionService } from '../../src/election/election.service';
import { PrimaryElectionEntity } from '../../src/election/primary-election.entity';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../testing/test-database';
import { createZone, enrollAgent, type EnrolledAgent, handshake, issueApiKey } from './agent-test-helpers';

/**
 * Fencing under contention: many agents, and two managers sharing one database, race for one
 * zone. The database must grant each epoch to exactly one of them (ARCHITECTURE.md §4).
 *
 * On MariaDB (the multi-manager deployment) the two managers are two apps on one database. SQLite
 * is the embedded, single-manager mode; two managers in ONE test process cannot share its file
 * (better-sqlite3 is synchronous: one connection's busy-wait blocks the thread the other needs to
 * commit), so there the same races run through one manager.
 */
describe.each(testDatabaseKinds())('election under contention on %s', (kind) => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let operator: string;

  const agentId = async (agent: EnrolledAgent) =>
    (await a.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: agent.agentKey })).id;
  const leaseOf = (zoneId: number) => a.dataSource.manager.findOneByOrFail(ZoneLeaseEntity, { zoneId });
  const electionsOf = (zoneId: number) => a.dataSource.manager.countBy(PrimaryElectionEntity, { zoneId });
  const electedEventsOf = (zoneId: number) =>
    a.dataSource.manager.countBy(EventEntity, { zoneId, type: 'PRIMARY_ELECTED' });

  async function zoneWithAgents(
    name: string,
    count: number,
  ): Promise<{ zoneId: number; agents: EnrolledAgent[] }> {
    const zoneId = await createZone(a, operator, name);
    const apiKey = (await issueApiKey(a, operator, zoneId)).secret;
    const agents: EnrolledAgent[] = [];
    for (let index = 0; index < count; index += 1)
      agents.push(await enrollAgent(a, zoneId, apiKey, `${name}-${index}`));
    return { zoneId, agents };
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await database.dataSource.destroy();
    // Managers sharing a database share their secrets (agent tokens from one verify on the other).
    const env = {
      OUTPOST_JWT_SECRET: randomBytes(36).toString('base64'),
      OUTPOST_AGENT_LEASE_TTL_MS: '5000',
    };
    a = await startTestApp(kind, env, { databaseTarget: database.target });
    b = kind === 'mariadb' ? await startTestApp(kind, env, { databaseTarget: database.target }) : a;
    operator = await a.tokenFor('operator');
  });
  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    await database?.drop();
  });

  it('grants an expired lease to exactly one of 10 agents acquiring at once, on two managers, incrementing the epoch once', async () => {
    const { zoneId, agents } = await zoneWithAgents('race-acquire', 10);
    const ids = await Promise.all(agents.map(agentId));
    const electionA = a.app.get(ElectionService);
    const electionB = b.app.get(ElectionService);
    const initial = await electionA.acquire(zoneId, ids[0], 'lease-expired');
    expect(initial).toMatchObject({ granted: true, lease: { epoch: 1 } });
    await a.dataSource.manager.update(
      ZoneLeaseEntity,
      { zoneId },
      { expiresAt: new Date(Date.now() - 1_000) },
    );

    const results = await Promise.all(
      ids.map((id, index) =>
        (index % 2 === 0 ? electionA : electionB).acquire(zoneId, id, 'primary-unreachable'),
      ),
    );

    const winners = results.filter((result) => result.granted);
    expect(winners).toHaveLength(1);
    expect(winners[0].lease.epoch).toBe(2);
    const lease = await leaseOf(zoneId);
    expect(lease).toMatchObject({ epoch: 2, agentId: winners[0].lease.agentId });
    for (const loser of results.filter((result) => !result.granted)) {
      expect(loser.lease.agentId).toBe(lease.agentId);
    }
    expect(await electionsOf(zoneId)).toBe(2);
    expect(await electedEventsOf(zoneId)).toBe(2);
  });

  it('refuses a renewal under an old epoch with STALE_EPOCH, on either manager', async () => {
    const { zoneId, agents } = await zoneWithAgents('race-stale', 2);
    const [oldId, newId] = await Promise.all(agents.map(agentId));
    const electionA = a.app.get(ElectionService);
    const electionB = b.app.get(ElectionService);
    await electionA.acquire(zoneId, oldId, 'lease-expired');
    await a.dataSource.manager.update(
      ZoneLeaseEntity,
      { zoneId },
      { expiresAt: new Date(Date.now() - 1_000) },
    );
    expect(await electionB.acquire(zoneId, newId, 'primary-unreachable')).toMatchObject({
      granted: true,
      lease: { epoch: 2 },
    });
    for (const election of [electionA, electionB]) {
      await expect(election.renew(zoneId, oldId, 1)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
      await expect(election.renew(zoneId, newId, 1)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
    }
    expect((await electionA.renew(zoneId, newId, 2)).epoch).toBe(2);
  });

  it('makes exactly one primary when agents handshake at once through two managers', async () => {
    const { zoneId, agents } = await zoneWithAgents('race-handshake', 6);
    const answers = await Promise.all(
      agents.map((agent, index) => handshake(index % 2 === 0 ? a : b, agent)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    const primaries = answers.filter((answer) => answer.body.role === 'primary');
    expect(primaries).toHaveLength(1);
    const lease = await leaseOf(zoneId);
    expect(lease.epoch).toBe(1);
    expect(primaries[0].body.agentKey).toBe(
      (await a.dataSource.manager.findOneByOrFail(AgentEntity, { id: lease.agentId ?? 0 })).agentKey,
    );
    for (const answer of answers) expect(answer.body.lease.holderAgentKey).toBe(primaries[0].body.agentKey);
    expect(await electionsOf(zoneId)).toBe(1);
  });
});
