import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventEntity } from '../../src/events/event.entity';
import { RetentionRepository } from '../../src/retention/retention.repository';
import { RetentionService } from '../../src/retention/retention.service';
import { TaskLogChunkEntity } from '../../src/tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { TaskStepEntity } from '../../src/tasks/task-step.entity';
import { TaskEntity } from '../../src/tasks/task.entity';
import type { WebhookDeliveryStatus } from '../../src/webhooks/webhook-delivery.entity';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../../src/webhooks/webhook-subscription.entity';
import { ManualClock } from '../testing/manual-clock';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { WorkerWorld } from './worker-world';

const DAY_MS = 86_400_000;

describe.each(testDatabaseKinds())('retention on %s', (kind) => {
  let t: TestApp;
  let world: WorkerWorld;
  let clock: ManualClock;
  let retention: RetentionService;
  let zoneId: number;
  const defaults = { logDays: 30, taskDays: 90, eventDays: 30 };

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    t = await startTestApp(kind, {}, { clock });
    world = new WorkerWorld(t, await t.tokenFor('operator'), clock);
    retention = t.app.get(RetentionService);
    zoneId = await world.newZone('retention');
  });
  afterEach(() => {
    Object.assign(t.config.retention, defaults);
  });
  afterAll(() => t?.close());

  const daysAgo = (days: number) => new Date(clock.now().getTime() - days * DAY_MS);
  const db = () => t.dataSource.manager;

  /** A task finished `finishedDaysAgo` ago (null: still running). */
  async function task(finishedDaysAgo: number | null): Promise<number> {
    const created = await world.createTask({ zoneId });
    await db().update(
      TaskEntity,
      { id: created.id },
      finishedDaysAgo === null
        ? { status: 'running' }
        : { status: 'complete', finishedAt: daysAgo(finishedDaysAgo) },
    );
    return created.id;
  }

  /** A run of the task (finished `finishedDaysAgo` ago, or running) with `chunks` log chunks written then. */
  async function run(taskId: number, finishedDaysAgo: number | null, chunks = 2): Promise<number> {
    const when = daysAgo(finishedDaysAgo ?? 60);
    const saved = await db().save(
      TaskRunEntity,
      db().create(TaskRunEntity, {
        taskId,
        zoneId,
        agentId: null,
        agentKey: 'agt_gone',
        attempt: 1,
        status: finishedDaysAgo === null ? 'running' : 'complete',
        leaseEpoch: 1,
        currentStep: 1,
        failedStep: null,
        result: null,
        error: null,
        startedAt: when,
        finishedAt: finishedDaysAgo === null ? null : when,
        heartbeatAt: null,
        createdAt: when,
        updatedAt: when,
      }),
    );
    for (let seq = 1; seq <= chunks; seq += 1) {
      await db().insert(TaskLogChunkEntity, {
        runId: saved.id,
        seq,
        taskId,
        stepSeq: 1,
        stream: 'stdout',
        content: `line ${seq}`,
        createdAt: when,
      });
    }
    return saved.id;
  }

  async function event(
    daysOld: number,
    published: boolean,
    delivery?: WebhookDeliveryStatus,
  ): Promise<number> {
    const saved = await db().save(
      EventEntity,
      db().create(EventEntity, {
        type: 'TASK_STATUS_CHANGED',
        schemaVersion: 1,
        zoneId,
        taskId: null,
        agentId: null,
        payload: {},
        occurredAt: daysAgo(daysOld),
        publishedAt: published ? daysAgo(daysOld) : null,
      }),
    );
    if (delivery) {
      const now = clock.now();
      const subscription = await db().save(
        WebhookSubscriptionEntity,
        db().create(WebhookSubscriptionEntity, {
          zoneId,
          url: 'https://example.invalid/hook',
          eventTypes: ['TASK_STATUS_CHANGED'],
          secretCiphertext: 'x',
          taskId: null,
          isActive: true,
          createdByUserId: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await db().save(
        WebhookDeliveryEntity,
        db().create(WebhookDeliveryEntity, {
          subscriptionId: subscription.id,
          eventId: saved.id,
          taskId: null,
          status: delivery,
          attempts: 1,
          nextAttemptAt: null,
          lastResponseCode: null,
          lastError: null,
          deliveredAt: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
    }
    return saved.id;
  }

  const chunksOf = (runId: number) => db().countBy(TaskLogChunkEntity, { runId });
  const exists = async (entity: typeof TaskEntity | typeof EventEntity, id: number) =>
    (await db().countBy(entity, { id })) === 1;

  it('deletes tasks finished more than 90 days ago with their steps, runs and logs', async () => {
    const old = await task(91);
    const oldRun = await run(old, 91);
    const recent = await task(89);
    const unfinished = await task(null);
    await retention.pass();
    expect(await exists(TaskEntity, old)).toBe(false);
    expect(await db().countBy(TaskStepEntity, { taskId: old })).toBe(0);
    expect(await db().countBy(TaskRunEntity, { id: oldRun })).toBe(0);
    expect(await chunksOf(oldRun)).toBe(0);
    expect(await exists(TaskEntity, recent)).toBe(true);
    expect(await exists(TaskEntity, unfinished)).toBe(true);
  });

  it('deletes log chunks of runs finished more than 30 days ago, keeping the runs and every other log', async () => {
    const kept = await task(40);
    const oldRun = await run(kept, 31);
    const recentRun = await run(kept, 29);
    const running = await task(null);
    const runningRun = await run(running, null);
    await retention.pass();
    expect(await chunksOf(oldRun)).toBe(0);
    expect(await db().countBy(TaskRunEntity, { id: oldRun })).toBe(1);
    expect(await chunksOf(recentRun)).toBe(2);
    expect(await chunksOf(runningRun)).toBe(2);
  });

  it('deletes events older than 30 days that were published and have no webhook delivery pending', async () => {
    const delivered = await event(31, true);
    const deliveredByHook = await event(31, true, 'delivered');
    const dead = await event(31, true, 'dead');
    const unpublished = await event(31, false);
    const pending = await event(31, true, 'pending');
    const recent = await event(29, true);
    await retention.pass();
    expect(await exists(EventEntity, delivered)).toBe(false);
    expect(await exists(EventEntity, deliveredByHook)).toBe(false);
    expect(await db().countBy(WebhookDeliveryEntity, { eventId: deliveredByHook })).toBe(0);
    expect(await exists(EventEntity, dead)).toBe(false);
    expect(await exists(EventEntity, unpublished)).toBe(true);
    expect(await exists(EventEntity, pending)).toBe(true);
    expect(await exists(EventEntity, recent)).toBe(true);
  });

  it('keeps everything of a kind whose retention is 0 days', async () => {
    Object.assign(t.config.retention, { logDays: 0, taskDays: 0, eventDays: 0 });
    const old = await task(1_000);
    const oldRun = await run(old, 1_000);
    const oldEvent = await event(1_000, true);
    expect(await retention.pass()).toEqual({ logChunks: 0, tasks: 0, events: 0, more: false });
    expect(await exists(TaskEntity, old)).toBe(true);
    expect(await chunksOf(oldRun)).toBe(2);
    expect(await exists(EventEntity, oldEvent)).toBe(true);
  });

  it('deletes in bounded batches', async () => {
    const repository = t.app.get(RetentionRepository);
    // Nothing left over from the other tests: only this test's rows are due.
    let more = true;
    while (more) more = (await retention.pass()).more;
    const kept = await task(40);
    const oldRun = await run(kept, 31, 5);
    const before = daysAgo(30);
    expect(await repository.deleteOldLogChunks(before, 2)).toBe(2);
    expect(await chunksOf(oldRun)).toBe(3);
    expect(await repository.deleteOldLogChunks(before, 2)).toBe(2);
    expect(await repository.deleteOldLogChunks(before, 2)).toBe(1);
    expect(await repository.deleteOldLogChunks(before, 2)).toBe(0);
    const ids = [await task(100), await task(100), await task(100)];
    expect(await repository.deleteFinishedTasks(daysAgo(90), 2)).toBe(2);
    expect(await repository.deleteFinishedTasks(daysAgo(90), 2)).toBe(1);
    for (const id of ids) expect(await exists(TaskEntity, id)).toBe(false);
    await event(40, true);
    await event(40, true);
    await event(40, true);
    expect(await repository.deleteDeliveredEvents(daysAgo(30), 2)).toBe(2);
    expect(await repository.deleteDeliveredEvents(daysAgo(30), 2)).toBe(1);
  });
});
