import { IsNull } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { WebhookDeliveryEntity } from '../../src/webhooks/webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../../src/webhooks/webhook-subscription.entity';
import { WorkerLockEntity } from '../../src/workers/worker-lock.entity';
import { statusItem, WorkWorld } from '../api/agent-work.fixtures';
import { ManualClock } from '../testing/manual-clock';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the text exposition format (enough of it for these tests). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not an exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[pair[1] as string] = pair[2] as string;
      }
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

describe.each(testDatabaseKinds())('GET /metrics on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    t = await startTestApp(
      kind,
      { OUTPOST_AGENT_POLL_WAIT_MS: '1000', OUTPOST_AGENT_LEASE_TTL_MS: '20000' },
      { clock },
    );
    world = new WorkWorld(t, await t.tokenFor('operator'));
  });
  afterAll(() => t?.close());

  const ago = (seconds: number) => new Date(clock.now().getTime() - seconds * 1000);

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await t.call('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = String(response.body);
    return { text, samples: parse(text) };
  }

  it('reports queue depth, lease age, heartbeat lag, webhook failures, lock holders and the outbox, without names or keys', async () => {
    const manager = t.dataSource.manager;
    const zoneA = await world.newZone('metrics-a');
    const zoneB = await world.newZone('metrics-b');
    const tasks = [
      await world.createTask({ zoneId: zoneA }),
      await world.createTask({ zoneId: zoneA }),
      await world.createTask({ zoneId: zoneB }),
      await world.createTask({ zoneId: zoneB }),
    ];
    const primary = await world.addAgent(zoneA);
    await manager.update(AgentEntity, primary.row.id, { lastSeenAt: ago(10) });
    const slow = await world.addAgent(zoneA, { state: 'offline' });
    await manager.update(AgentEntity, slow.row.id, { lastSeenAt: ago(100) });
    const slower = await world.addAgent(zoneA, { state: 'offline' });
    await manager.update(AgentEntity, slower.row.id, { lastSeenAt: ago(50) });
    const retired = await world.addAgent(zoneA, { state: 'retired' });
    await manager.update(AgentEntity, retired.row.id, { lastSeenAt: ago(5000) });
    await manager.save(ZoneLeaseEntity, {
      zoneId: zoneA,
      agentId: primary.row.id,
      epoch: 3,
      acquiredAt: ago(42),
      renewedAt: ago(1),
      expiresAt: new Date(clock.now().getTime() + 60_000),
    });
    await manager.save(WorkerLockEntity, [
      { name: 'event-publisher', holder: 'host-a:11:abc', epoch: 2, acquiredAt: ago(5), expiresAt: ago(-30) },
      { name: 'retention', holder: 'host-b:12:def', epoch: 1, acquiredAt: ago(500), expiresAt: ago(400) },
    ]);
    const subscription = await manager.save(WebhookSubscriptionEntity, {
      zoneId: null,
      url: 'https://hooks.example/outpost',
      eventTypes: [],
      secretCiphertext: 'sealed',
      taskId: null,
      isActive: true,
      createdByUserId: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    const events = await manager.find(EventEntity, { order: { id: 'ASC' } });
    const deliveries: [number, WebhookDeliveryEntity['status']][] = [
      [2, 'pending'],
      [5, 'dead'],
      [1, 'delivered'],
      [0, 'pending'],
    ];
    for (const [index, [attempts, status]] of deliveries.entries()) {
      await manager.save(WebhookDeliveryEntity, {
        subscriptionId: subscription.id,
        eventId: events[index]?.id as number,
        status,
        attempts,
        nextAttemptAt: null,
        lastResponseCode: null,
        lastError: null,
        deliveredAt: null,
        createdAt: clock.now(),
        updatedAt: clock.now(),
      });
    }
    const unpublished = await manager.count(EventEntity, { where: { publishedAt: IsNull() } });

    const { text, samples } = await scrape();
    expect(valueOf(samples, 'outpost_database_up')).toBe(1);
    expect(valueOf(samples, 'outpost_queue_depth', { zone_id: String(zoneA) })).toBe(2);
    expect(valueOf(samples, 'outpost_queue_depth', { zone_id: String(zoneB) })).toBe(2);
    expect(valueOf(samples, 'outpost_lease_age_seconds', { zone_id: String(zoneA) })).toBe(42);
    expect(valueOf(samples, 'outpost_lease_age_seconds', { zone_id: String(zoneB) })).toBeUndefined();
    const lag = (state: string) =>
      valueOf(samples, 'outpost_agent_heartbeat_lag_seconds', { zone_id: String(zoneA), state });
    expect(lag('online')).toBe(10);
    expect(lag('offline')).toBe(100);
    expect(lag('retired')).toBeUndefined();
    expect(valueOf(samples, 'outpost_webhook_failures_total', { status: 'pending' })).toBe(1);
    expect(valueOf(samples, 'outpost_webhook_failures_total', { status: 'dead' })).toBe(1);
    expect(samples.filter((sample) => sample.name === 'outpost_worker_lock_holder')).toEqual([
      {
        name: 'outpost_worker_lock_holder',
        labels: { worker: 'event-publisher', holder: 'host-a:11:abc' },
        value: 1,
      },
    ]);
    expect(valueOf(samples, 'outpost_events_unpublished')).toBe(unpublished);
    expect(unpublished).toBeGreaterThanOrEqual(tasks.length);
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(valueOf(samples, name), name).toBeGreaterThanOrEqual(0);
    }
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(valueOf(samples, 'outpost_bus_connected', { driver: 'in-process' })).toBe(1);
    // Counts and timings only: no zone names, agent keys, hostnames or URLs.
    expect(text).not.toContain('metrics-a');
    expect(text).not.toContain(primary.row.agentKey);
    expect(text).not.toContain('hooks.example');
  });

  it('caches the database gauges for a few seconds, then reads them again', async () => {
    clock.advance(5_000);
    const zoneId = await world.newZone();
    await world.createTask({ zoneId });
    const first = await scrape();
    expect(valueOf(first.samples, 'outpost_queue_depth', { zone_id: String(zoneId) })).toBe(1);
    await world.createTask({ zoneId });
    const cached = await scrape();
    expect(valueOf(cached.samples, 'outpost_queue_depth', { zone_id: String(zoneId) })).toBe(1);
    clock.advance(5_000);
    const fresh = await scrape();
    expect(valueOf(fresh.samples, 'outpost_queue_depth', { zone_id: String(zoneId) })).toBe(2);
  });

  it('observes dispatch latency (task due → run started) when a run reports started', async () => {
    const before = valueOf((await scrape()).samples, 'outpost_dispatch_latency_seconds_count') ?? 0;
    const zone = await world.zoneWith(0);
    const task = await world.createTask({ zoneId: zone.zoneId });
    clock.advance(300);
    const polled = await world.poll(zone);
    const runId = polled.body.assignments[0].runId as number;
    expect(polled.body.assignments[0].taskId).toBe(task.id);
    const reported = await world.report(zone.primary, [
      statusItem(runId, 'wait-exec'),
      statusItem(runId, 'started', { currentStep: 1 }),
    ]);
    expect(reported.body.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual([
      'accepted',
      'accepted',
    ]);
    // A repeated "started" is a duplicate and is not observed again.
    await world.report(zone.primary, [statusItem(runId, 'started', { currentStep: 1 })]);
    const { samples } = await scrape();
    expect(valueOf(samples, 'outpost_dispatch_latency_seconds_count')).toBe(before + 1);
    const bucket = (le: string) => valueOf(samples, 'outpost_dispatch_latency_seconds_bucket', { le });
    expect((bucket('0.5') ?? 0) - (bucket('0.25') ?? 0)).toBe(1);
    expect(bucket('+Inf')).toBe(before + 1);
  });
});

describe('GET /metrics with OUTPOST_METRICS_TOKEN (sqlite)', () => {
  const token = 'scrape-token-for-tests-0123456789';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { OUTPOST_METRICS_TOKEN: token });
  });
  afterAll(() => t?.close());

  it('refuses a scrape without the token or with a wrong one with 401', async () => {
    for (const credential of [undefined, 'wrong-token-0123456789', await t.tokenFor('admin')]) {
      const response = await t.call('GET', '/metrics', { token: credential });
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response.body)).not.toContain(token);
    }
  });

  it('serves the page with the token', async () => {
    const response = await t.call('GET', '/metrics', { token });
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain('# TYPE outpost_queue_depth gauge');
  });
});
