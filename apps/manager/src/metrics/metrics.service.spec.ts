import { describe, expect, it } from 'vitest';
import type { Clock } from '../common/clock/clock';
import { InProcessBus } from '../common/messaging/in-process-bus';
import { ManagerMetrics } from './manager-metrics';
import type { DatabaseGauges, MetricsRepository } from './metrics.repository';
import { DATABASE_GAUGES_TTL_MS, MetricsService } from './metrics.service';

const gauges = (queued: number): DatabaseGauges => ({
  queueDepth: [{ zoneId: 1, count: queued }],
  leases: [],
  oldestSightings: [],
  failingWebhookDeliveries: [],
  workerLocks: [],
  unpublishedEvents: 0,
});

function setup() {
  let now = new Date('2026-01-01T00:00:00.000Z');
  const repository = { reads: 0, fail: false, queued: 1 };
  const fakeRepository = {
    async read(): Promise<DatabaseGauges> {
      repository.reads += 1;
      if (repository.fail) throw new Error('database down');
      return gauges(repository.queued);
    },
  } as unknown as MetricsRepository;
  const metrics = new ManagerMetrics();
  const service = new MetricsService(
    fakeRepository,
    metrics,
    new InProcessBus(),
    { now: () => now } as Clock,
    {
      metricsToken: null,
    },
  );
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  return { service, repository, metrics, advance };
}

describe('MetricsService', () => {
  it('reads the database once per TTL, however often it is scraped', async () => {
    const { service, repository, advance, metrics } = setup();
    await Promise.all([service.render(), service.render()]);
    repository.queued = 5;
    expect(await service.render()).toContain('outpost_queue_depth{zone_id="1"} 1');
    expect(repository.reads).toBe(1);
    advance(DATABASE_GAUGES_TTL_MS);
    expect(await service.render()).toContain('outpost_queue_depth{zone_id="1"} 5');
    expect(repository.reads).toBe(2);
    metrics.onModuleDestroy();
  });

  it('still answers with process metrics and outpost_database_up 0 when the database fails, and retries next time', async () => {
    const { service, repository, metrics } = setup();
    repository.fail = true;
    const text = await service.render();
    expect(text).toContain('outpost_database_up 0');
    expect(text).not.toContain('outpost_queue_depth');
    expect(text).toContain('process_resident_memory_bytes');
    repository.fail = false;
    expect(await service.render()).toContain('outpost_database_up 1');
    expect(repository.reads).toBe(2);
    metrics.onModuleDestroy();
  });
});
