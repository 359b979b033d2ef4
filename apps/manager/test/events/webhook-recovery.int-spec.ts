import { eventEnvelopeSchema, taskResultCallbackSchema } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEntity } from '../../src/events/event.entity';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook-delivery.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { statusItem, type TestZone, WorkWorld } from '../api/agent-work.fixtures';
import { eventually, type ReceivedRequest, signatureVerifies, WebhookReceiver } from './webhook-receiver';

const TIMEOUT_MS = 500;

/** Fast workers and short backoff, so a receiver's outage and recovery fit in a test. */
function webhookEnv(maxAttempts: number): Record<string, string> {
  return {
    OUTPOST_WORKERS: 'webhook-fanout,webhook-delivery',
    OUTPOST_WEBHOOK_FANOUT_INTERVAL_MS: '50',
    OUTPOST_WEBHOOK_DELIVERY_INTERVAL_MS: '50',
    OUTPOST_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    OUTPOST_WEBHOOK_BACKOFF_BASE_MS: '100',
    OUTPOST_WEBHOOK_BACKOFF_MAX_MS: '400',
    OUTPOST_WEBHOOK_MAX_ATTEMPTS: String(maxAttempts),
    OUTPOST_WEBHOOK_GAP_WAIT_MS: '1000',
    OUTPOST_AGENT_POLL_WAIT_MS: '300',
    OUTPOST_AGENT_LEASE_TTL_MS: '20000',
  };
}

function eventIdOf(request: ReceivedRequest): string {
  return String(request.headers['x-outpost-event-id']);
}

/** Tasks of the zone, run on its primary through the agent API: poll, then status reports. */
async function runTasks(
  world: WorkWorld,
  zone: TestZone,
  bodies: Record<string, unknown>[],
  ends: ('complete' | 'failed')[],
): Promise<number[]> {
  const taskIds: number[] = [];
  for (const body of bodies) {
    const task = await world.createTask({
      zoneId: zone.zoneId,
      agentKey: zone.primary.row.agentKey,
      ...body,
    });
    taskIds.push(task.id);
  }
  const runIds = await eventually('every task delivered', async () => {
    await world.poll(zone);
    const runs = await Promise.all(taskIds.map((id) => world.runsOf(id)));
    return runs.every((found) => found.length > 0) ? runs.map((found) => found[0]!.id) : undefined;
  });
  // Interleaved across tasks, so the outbox mixes their events.
  for (const runId of runIds)
    expect((await world.report(zone.primary, [statusItem(runId, 'wait-exec')])).status).toBe(200);
  for (const runId of runIds) {
    await world.report(zone.primary, [statusItem(runId, 'started', { currentStep: 1 })]);
  }
  for (const [index, runId] of runIds.entries()) {
    const end = ends[index] ?? 'complete';
    const extra =
      end === 'complete'
        ? { currentStep: 1, result: `result-${index}` }
        : { currentStep: 1, failedStep: 1, error: 'exit status 1' };
    const response = await world.report(zone.primary, [statusItem(runId, end, extra)]);
    expect(response.body.outcomes[0].outcome).toBe('accepted');
  }
  for (const [index, id] of taskIds.entries())
    expect((await world.task(id)).status).toBe(ends[index] ?? 'complete');
  return taskIds;
}

describe.each(testDatabaseKinds())('webhook delivery and recovery on %s', (kind) => {
  describe('a receiver that is down, then slow, then failing, then up', () => {
    let t: TestApp;
    let world: WorkWorld;
    let operator: string;
    let viewer: string;
    let receiver: WebhookReceiver;
    let other: WebhookReceiver;
    let zoneA: TestZone;
    let zoneB: TestZone;
    let secretA: string;
    let secretB: string;
    let webhookA: number;
    let callbackSecret: string;
    let callbackTaskId: number;
    let tasksA: number[];

    beforeAll(async () => {
      t = await startTestApp(kind, webhookEnv(100));
      operator = await t.tokenFor('operator');
      viewer = await t.tokenFor('viewer');
      world = new WorkWorld(t, operator);
      receiver = await WebhookReceiver.create(TIMEOUT_MS * 3);
      other = await WebhookReceiver.create();
      await other.set('up');
    });
    afterAll(async () => {
      await receiver?.stop();
      await other?.stop();
      await t?.close();
    });

    async function deliveriesOf(subscriptionId: number): Promise<WebhookDeliveryEntity[]> {
      return t.dataSource.manager.find(WebhookDeliveryEntity, {
        where: { subscriptionId },
        order: { id: 'ASC' },
      });
    }

    it('delivers every event of its zone, signed, once per id and in order per task, after the receiver recovers', async () => {
      zoneA = await world.zoneWith(0);
      zoneB = await world.zoneWith(0);
      const created = await t.call('POST', '/api/v1/webhooks', {
        token: operator,
        body: { url: receiver.url('/hook'), events: ['*'], zoneId: zoneA.zoneId },
      });
      expect(created.status).toBe(201);
      webhookA = created.body.webhook.id;
      secretA = created.body.secret;
      const createdB = await t.call('POST', '/api/v1/webhooks', {
        token: operator,
        body: { url: other.url('/zone-b'), events: ['*'], zoneId: zoneB.zoneId },
      });
      secretB = createdB.body.secret;

      // DOWN: the receiver's port is closed while the tasks run.
      const callbackTask = await world.createTask({
        zoneId: zoneA.zoneId,
        agentKey: zoneA.primary.row.agentKey,
        name: 'with-callback',
        callbackUrl: receiver.url('/callback'),
      });
      callbackTaskId = callbackTask.id;
      callbackSecret = callbackTask.callbackSecret as string;
      expect(callbackSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(
        (await t.call('GET', `/api/v1/tasks/${callbackTaskId}`, { token: viewer })).body.callbackSecret,
      ).toBeUndefined();
      tasksA = await runTasks(
        world,
        zoneA,
        [{ name: 'a1' }, { name: 'a2' }, { name: 'a3' }],
        ['complete', 'failed', 'complete'],
      );
      // The callback task too (it was created first, so it is delivered in the same poll or the next).
      const [callbackRun] = await eventually('the callback task delivered', async () => {
        await world.poll(zoneA);
        const runs = await world.runsOf(callbackTaskId);
        return runs.length > 0 ? runs : undefined;
      });
      for (const status of ['wait-exec', 'started'] as const) {
        await world.report(zoneA.primary, [statusItem(callbackRun!.id, status, { currentStep: 1 })]);
      }
      await world.report(zoneA.primary, [
        statusItem(callbackRun!.id, 'complete', { currentStep: 1, result: 'called back' }),
      ]);
      tasksA.push(callbackTaskId);
      await runTasks(world, zoneB, [{ name: 'b1' }], ['complete']);

      await eventually('a refused attempt', async () =>
        (await deliveriesOf(webhookA)).some((d) => d.attempts >= 1 && d.lastError === 'connection refused'),
      );
      expect(receiver.received).toHaveLength(0);

      // SLOW: answers only after the manager's timeout.
      await receiver.set('slow');
      await eventually('a timed-out attempt', async () =>
        (await deliveriesOf(webhookA)).some((d) => d.lastError === `no answer within ${TIMEOUT_MS} ms`),
      );

      // 500s.
      await receiver.set('error');
      await eventually('a 500 attempt', async () =>
        (await deliveriesOf(webhookA)).some((d) => d.lastResponseCode === 500 && d.status === 'pending'),
      );

      // UP.
      await receiver.set('up');
      const zoneEvents = await t.dataSource.manager.find(EventEntity, {
        where: { zoneId: zoneA.zoneId },
        order: { id: 'ASC' },
      });
      const expectedIds = zoneEvents.map((event) => String(event.id));
      expect(expectedIds.length).toBeGreaterThan(30);
      await eventually(
        'every event of zone A accepted',
        () => {
          const accepted = new Set(
            receiver
              .accepted()
              .filter((r) => r.path === '/hook')
              .map(eventIdOf),
          );
          return expectedIds.every((id) => accepted.has(id));
        },
        60_000,
      );
      await eventually(
        'the task callback accepted',
        () => receiver.accepted().some((r) => r.path === '/callback'),
        30_000,
      );

      const hooks = receiver.received.filter((request) => request.path === '/hook');
      // The outage really happened: requests met the slow and the failing receiver.
      expect(hooks.some((request) => request.mode === 'slow')).toBe(true);
      expect(hooks.some((request) => request.mode === 'error')).toBe(true);

      // The set is complete and holds nothing else; a repeated id carries the same body.
      expect([...new Set(hooks.map(eventIdOf))].sort()).toEqual([...expectedIds].sort());
      const bodyOf = new Map<string, string>();
      for (const request of hooks) {
        const id = eventIdOf(request);
        expect(bodyOf.get(id) ?? request.body, `event ${id} sent with another body`).toBe(request.body);
        bodyOf.set(id, request.body);
        expect(signatureVerifies(request, secretA), `signature of event ${id}`).toBe(true);
        expect(signatureVerifies(request, secretB)).toBe(false);
        const envelope = eventEnvelopeSchema.parse(JSON.parse(request.body));
        expect(envelope.id).toBe(id);
        expect(request.headers['x-outpost-event-type']).toBe(envelope.type);
        expect(request.headers['content-type']).toBe('application/json');
        expect(envelope.zoneId).toBe(zoneA.zoneId);
      }

      // Per task, the receiver saw the task's events in id order, repeats included.
      const perTask = new Map<number, number[]>();
      for (const request of hooks) {
        const envelope = JSON.parse(request.body) as { id: string; data: { taskId?: number } };
        if (envelope.data.taskId === undefined) continue;
        perTask.set(envelope.data.taskId, [
          ...(perTask.get(envelope.data.taskId) ?? []),
          Number(envelope.id),
        ]);
      }
      expect([...perTask.keys()].sort()).toEqual([...tasksA].sort());
      for (const [taskId, ids] of perTask) {
        expect(ids, `events of task ${taskId}`).toEqual([...ids].sort((a, b) => a - b));
      }
      const byType = new Set(hooks.map((request) => String(request.headers['x-outpost-event-type'])));
      expect([...byType].sort()).toEqual([
        'TASK_CALLBACK',
        'TASK_CREATED',
        'TASK_RUN_STATUS_CHANGED',
        'TASK_STATUS_CHANGED',
      ]);

      // The callback URL got Klevr's final result once per id, signed with the task's own secret.
      const callbacks = receiver.received.filter((request) => request.path === '/callback');
      expect(new Set(callbacks.map(eventIdOf)).size).toBe(1);
      for (const request of callbacks) {
        expect(signatureVerifies(request, callbackSecret)).toBe(true);
        expect(signatureVerifies(request, secretA)).toBe(false);
        expect(request.headers['x-outpost-event-type']).toBe('TASK_RESULT');
        expect(request.body).toBe(callbacks[0]!.body);
      }
      const result = taskResultCallbackSchema.parse(JSON.parse(callbacks[0]!.body));
      expect(result).toMatchObject({
        id: callbackTaskId,
        name: 'with-callback',
        status: 'complete',
        result: 'called back',
        zoneId: zoneA.zoneId,
      });
      expect(result.finishedAt).not.toBeNull();
      const callbackLog = await t.call('GET', `/api/v1/tasks/${callbackTaskId}/callback-deliveries`, {
        token: viewer,
      });
      expect(callbackLog.status).toBe(200);
      expect(callbackLog.body.items).toEqual([
        expect.objectContaining({
          kind: 'task-callback',
          webhookId: null,
          status: 'delivered',
          taskId: callbackTaskId,
        }),
      ]);
      expect(callbackLog.body.items[0].attempts).toBeGreaterThan(1);

      // Another zone's webhook got its own zone's events, never these.
      await eventually('zone B events delivered', () => other.accepted().length > 0);
      for (const request of other.received) {
        expect(JSON.parse(request.body).zoneId).toBe(zoneB.zoneId);
        expect(expectedIds).not.toContain(eventIdOf(request));
        expect(signatureVerifies(request, secretB)).toBe(true);
      }

      // The log: delivered, with the attempts the outage cost.
      const log = await t.call('GET', `/api/v1/webhooks/${webhookA}/deliveries?pageSize=500`, {
        token: viewer,
      });
      expect(log.status).toBe(200);
      expect(log.body.total).toBe(expectedIds.length);
      expect(log.body.items.every((item: { status: string }) => item.status === 'delivered')).toBe(true);
      expect(log.body.items.map((item: { id: number }) => item.id)).toEqual(
        [...log.body.items.map((item: { id: number }) => item.id)].sort((a: number, b: number) => b - a),
      );
      expect(log.body.items.some((item: { attempts: number }) => item.attempts > 1)).toBe(true);
      expect(JSON.stringify(log.body)).not.toContain(secretA);
    }, 120_000);

    it('keeps delivering to a healthy receiver while another one hangs', async () => {
      const hanging = await WebhookReceiver.create(TIMEOUT_MS * 4);
      const healthy = await WebhookReceiver.create();
      try {
        await hanging.set('slow');
        await healthy.set('up');
        const zoneC = await world.zoneWith(0);
        for (const target of [hanging, healthy]) {
          const response = await create(target.url('/c'), zoneC.zoneId);
          expect(response.status).toBe(201);
        }
        const [taskId] = await runTasks(world, zoneC, [{ name: 'c1' }], ['complete']);
        const expected = (await t.dataSource.manager.find(EventEntity, { where: { taskId } })).map((e) =>
          String(e.id),
        );
        await eventually('the healthy receiver has every event', () => {
          const seen = new Set(healthy.accepted().map(eventIdOf));
          return expected.every((id) => seen.has(id));
        });
        // The hanging receiver's chain is stuck on its first event, retried again and again.
        expect(new Set(hanging.received.map(eventIdOf)).size).toBe(1);
        // While one attempt to the hanging receiver was in flight, the healthy one got several events
        // of the same task, one after the other: the attempts never waited for each other.
        const windows = hanging.received.map(
          (slow) =>
            healthy.accepted().filter((fast) => fast.at > slow.at && fast.at < slow.at + TIMEOUT_MS - 50)
              .length,
        );
        expect(Math.max(...windows)).toBeGreaterThanOrEqual(2);
      } finally {
        await hanging.stop();
        await healthy.stop();
      }
    }, 60_000);

    async function create(url: string, zoneId: number) {
      return t.call('POST', '/api/v1/webhooks', { token: operator, body: { url, events: ['*'], zoneId } });
    }

    it('redelivers a delivered event on demand, with the same id and body', async () => {
      const log = await t.call('GET', `/api/v1/webhooks/${webhookA}/deliveries?status=delivered&pageSize=1`, {
        token: viewer,
      });
      const [delivery] = log.body.items as { id: number; eventId: string }[];
      expect(delivery).toBeDefined();
      const before = receiver.accepted().filter((request) => eventIdOf(request) === delivery!.eventId);
      expect(before.length).toBeGreaterThan(0);

      const byViewer = await t.call('POST', `/api/v1/webhook-deliveries/${delivery!.id}/redeliver`, {
        token: viewer,
      });
      expect(byViewer.status).toBe(403);
      const again = await t.call('POST', `/api/v1/webhook-deliveries/${delivery!.id}/redeliver`, {
        token: operator,
      });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(delivery!.id);
      expect(['pending', 'delivered']).toContain(again.body.status);

      const after = await eventually('the redelivery', () => {
        const seen = receiver.accepted().filter((request) => eventIdOf(request) === delivery!.eventId);
        return seen.length > before.length ? seen : undefined;
      });
      expect(after.at(-1)!.body).toBe(before[0]!.body);
      expect(signatureVerifies(after.at(-1)!, secretA)).toBe(true);
      const stored = await eventually('the redelivery recorded', async () => {
        const row = await t.dataSource.manager.findOneByOrFail(WebhookDeliveryEntity, { id: delivery!.id });
        return row.status === 'delivered' ? row : undefined;
      });
      expect(stored.attempts).toBe(1);

      expect(
        (await t.call('POST', '/api/v1/webhook-deliveries/99999999/redeliver', { token: operator })).status,
      ).toBe(404);
      expect(
        (await t.call('POST', '/api/v1/webhook-deliveries/abc/redeliver', { token: operator })).status,
      ).toBe(400);
      expect((await t.call('POST', `/api/v1/webhook-deliveries/${delivery!.id}/redeliver`)).status).toBe(401);
    }, 60_000);
  });

  describe('a receiver that never recovers', () => {
    let t: TestApp;
    let world: WorkWorld;
    let operator: string;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      t = await startTestApp(kind, webhookEnv(3));
      operator = await t.tokenFor('operator');
      world = new WorkWorld(t, operator);
      receiver = await WebhookReceiver.create();
    });
    afterAll(async () => {
      await receiver?.stop();
      await t?.close();
    });

    it('dead-letters each delivery after the maximum attempts, without blocking the later events of its task', async () => {
      const zone = await world.zoneWith(0);
      const created = await t.call('POST', '/api/v1/webhooks', {
        token: operator,
        body: {
          url: receiver.url('/hook'),
          events: ['TASK_CREATED', 'TASK_STATUS_CHANGED'],
          zoneId: zone.zoneId,
        },
      });
      const webhookId = created.body.webhook.id as number;
      const [taskId] = await runTasks(world, zone, [{ name: 'doomed' }], ['complete']);
      const wanted = await t.dataSource.manager.count(EventEntity, {
        where: [
          { taskId, type: 'TASK_CREATED' },
          { taskId, type: 'TASK_STATUS_CHANGED' },
        ],
      });
      expect(wanted).toBe(5);

      const dead = await eventually(
        'every delivery dead',
        async () => {
          const response = await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries?status=dead`, {
            token: operator,
          });
          return response.body.total === wanted ? response.body.items : undefined;
        },
        60_000,
      );
      for (const item of dead) {
        expect(item).toMatchObject({
          status: 'dead',
          attempts: 3,
          nextAttemptAt: null,
          deliveredAt: null,
          lastResponseCode: null,
          lastError: 'connection refused',
        });
      }
      const pending = await t.call('GET', `/api/v1/webhooks/${webhookId}/deliveries?status=pending`, {
        token: operator,
      });
      expect(pending.body.total).toBe(0);

      // A dead letter can still be sent by hand once the receiver is back.
      await receiver.set('up');
      const redelivered = await t.call('POST', `/api/v1/webhook-deliveries/${dead[0].id}/redeliver`, {
        token: operator,
      });
      expect(redelivered.status).toBe(200);
      expect(redelivered.body.attempts === 0 || redelivered.body.status === 'delivered').toBe(true);
      await eventually('the dead letter delivered', () => receiver.accepted().length === 1);
      expect(eventIdOf(receiver.accepted()[0]!)).toBe(dead[0].eventId);
    }, 120_000);
  });
});
