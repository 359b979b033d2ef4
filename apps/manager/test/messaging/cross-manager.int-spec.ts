import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkSignal } from '../../src/work/work-signal';
import { logItem, sleep, WorkWorld } from '../api/agent-work.fixtures';
import { SseClient, type SseFrame } from '../live/sse-client';
import { startTestApp, type TestApp } from '../testing/test-app';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { amqpEnv, deleteAmqpObjects, type TestExchanges, uniqueExchanges } from './amqp-test-helpers';

// Long enough that "released well before the hold ends" holds on a loaded two-core machine.
const POLL_WAIT_MS = 4_000;

/**
 * Two managers on one MariaDB database and one RabbitMQ: work made deliverable on one wakes the
 * poll the other holds, and a console on either sees what happened on both.
 */
describe('two managers sharing MariaDB and RabbitMQ', () => {
  let database: TestDatabase;
  let exchanges: TestExchanges;
  let a: TestApp;
  let b: TestApp;
  let worldA: WorkWorld;
  let worldB: WorkWorld;
  const streams: SseClient[] = [];

  beforeAll(async () => {
    exchanges = uniqueExchanges();
    database = await createTestDatabase('mariadb');
    // Managers sharing a database share its secrets (and passport's strategy is process-wide).
    const env = {
      ...amqpEnv(exchanges),
      OUTPOST_JWT_SECRET: randomBytes(32).toString('hex'),
      OUTPOST_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
      OUTPOST_WORKERS: 'event-publisher',
      OUTPOST_EVENTS_PUBLISH_INTERVAL_MS: '20',
      OUTPOST_AGENT_POLL_WAIT_MS: String(POLL_WAIT_MS),
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
    };
    a = await startTestApp('mariadb', env, { databaseTarget: database.target });
    b = await startTestApp('mariadb', env, { databaseTarget: database.target });
    worldA = new WorkWorld(a, await a.tokenFor('operator'));
    worldB = new WorkWorld(b, await b.tokenFor('operator'));
  });

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await a?.close();
    await b?.close();
    if (exchanges) await deleteAmqpObjects(exchanges);
    await database?.drop();
  });

  async function waitForHeldPoll(app: TestApp, zoneId: number): Promise<void> {
    const signal = app.app.get(WorkSignal);
    for (let tries = 0; tries < 200 && signal.waiting(zoneId) === 0; tries += 1) await sleep(10);
    expect(signal.waiting(zoneId)).toBe(1);
  }

  async function stream(app: TestApp, query = ''): Promise<SseClient> {
    const client = await SseClient.open(`${app.baseUrl}/api/v1/stream${query}`, {
      token: await app.tokenFor('viewer'),
    });
    expect(client.status).toBe(200);
    streams.push(client);
    return client;
  }

  const isCreatedEventOf = (taskId: number) => (frame: SseFrame) =>
    frame.event === 'TASK_CREATED' && JSON.parse(frame.data ?? '{}').data?.taskId === taskId;

  it('releases a poll held on manager A promptly when a task of its zone is created through manager B', async () => {
    const zone = await worldA.zoneWith(0);
    const polling = worldA.poll(zone);
    await waitForHeldPoll(a, zone.zoneId);
    const created = Date.now();
    const task = await worldB.createTask({ zoneId: zone.zoneId });
    const response = await polling;
    expect(response.status).toBe(200);
    expect(Date.now() - created).toBeLessThan(POLL_WAIT_MS / 2);
    expect(response.body.assignments.map((assignment: { taskId: number }) => assignment.taskId)).toEqual([
      task.id,
    ]);
  });

  it('does not release a poll on A for work in another zone created through B', async () => {
    const zone = await worldA.zoneWith(0);
    const other = await worldA.zoneWith(0);
    const started = Date.now();
    const polling = worldA.poll(zone);
    await waitForHeldPoll(a, zone.zoneId);
    await worldB.createTask({ zoneId: other.zoneId });
    const response = await polling;
    expect(Date.now() - started).toBeGreaterThanOrEqual(POLL_WAIT_MS * 0.9);
    expect(response.body.assignments).toEqual([]);
  });

  it('shows a console on either manager the events written on the other', async () => {
    const onA = await stream(a);
    const onB = await stream(b);
    const zoneId = await worldA.newZone();
    const viaA = await worldA.createTask({ zoneId });
    const viaB = await worldB.createTask({ zoneId });
    for (const client of [onA, onB]) {
      const first = await client.waitFor(isCreatedEventOf(viaA.id));
      const second = await client.waitFor(isCreatedEventOf(viaB.id));
      expect(Number(second.id)).toBeGreaterThan(Number(first.id));
    }
  });

  it('streams log chunks stored by manager A to a console following the task on manager B', async () => {
    const zone = await worldA.zoneWith(0);
    const task = await worldA.createTask({ zoneId: zone.zoneId });
    const polled = await worldA.poll(zone);
    const runId = polled.body.assignments[0].runId as number;
    const onB = await stream(b, `?taskId=${task.id}`);
    const reported = await worldA.report(zone.primary, [logItem(runId, 1, 'from manager A')]);
    expect(reported.body.outcomes[0].outcome).toBe('accepted');
    const frame = await onB.waitFor((candidate) => candidate.event === 'task.log');
    expect(JSON.parse(frame.data ?? '{}')).toMatchObject({
      taskId: task.id,
      runId,
      seq: 1,
      content: 'from manager A',
    });
  });
});
