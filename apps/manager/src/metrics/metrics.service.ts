import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { EventBus } from '../common/messaging/event-bus';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { ExpositionWriter } from './exposition';
import { ManagerMetrics } from './manager-metrics';
import { checkMetricsToken } from './metrics-token';
import { type DatabaseGauges, MetricsRepository } from './metrics.repository';

/** Database gauges are read at most this often, however often (and by how many) /metrics is scraped. */
export const DATABASE_GAUGES_TTL_MS = 5_000;

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * Builds the /metrics page: database gauges (one query each, cached a few seconds, shared by
 * concurrent scrapes), this process's instruments, and process metrics. A database that does not
 * answer still leaves the process metrics readable, with `outpost_database_up 0`.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger('Metrics');
  private cache: { readAt: number; gauges: Promise<DatabaseGauges> } | null = null;
  private readonly startedAt = Date.now();

  constructor(
    private readonly repository: MetricsRepository,
    private readonly metrics: ManagerMetrics,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'metricsToken'>,
  ) {}

  async render(): Promise<string> {
    const now = this.clock.now();
    const writer = new ExpositionWriter();
    const gauges = await this.databaseGauges(now);
    writer.gauge('outpost_database_up', 'Whether the database gauges below could be read (1) or not (0).', [
      { value: gauges ? 1 : 0 },
    ]);
    if (gauges) this.writeDatabaseGauges(writer, gauges, now);
    this.writeProcessInstruments(writer);
    return writer.text();
  }

  private async databaseGauges(now: Date): Promise<DatabaseGauges | null> {
    const at = now.getTime();
    if (!this.cache || at - this.cache.readAt >= DATABASE_GAUGES_TTL_MS || at < this.cache.readAt) {
      const gauges = this.repository.read(now);
      this.cache = { readAt: at, gauges };
      // A failed read is not cached: the next scrape tries again.
      gauges.catch(() => {
        if (this.cache?.gauges === gauges) this.cache = null;
      });
    }
    try {
      return await this.cache.gauges;
    } catch (error) {
      this.logger.warn(
        `database gauges unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    }
  }

  private writeDatabaseGauges(writer: ExpositionWriter, gauges: DatabaseGauges, now: Date): void {
    const nowMs = now.getTime();
    writer
      .gauge(
        'outpost_queue_depth',
        'Tasks waiting for their zone primary to take them (wait-polling or hand-over), per zone.',
        gauges.queueDepth.map((row) => ({ labels: { zone_id: row.zoneId }, value: row.count })),
      )
      .gauge(
        'outpost_lease_age_seconds',
        'Seconds since the current primary of each zone acquired its lease.',
        gauges.leases.map((row) => ({
          labels: { zone_id: row.zoneId },
          value: seconds(nowMs - row.acquiredAt.getTime()),
        })),
      )
      .gauge(
        'outpost_agent_heartbeat_lag_seconds',
        'Longest time since an agent was last seen, per zone and agent state (retired agents excluded).',
        gauges.oldestSightings.map((row) => ({
          labels: { zone_id: row.zoneId, state: row.state },
          value: seconds(nowMs - row.lastSeenAt.getTime()),
        })),
      )
      .gauge(
        'outpost_webhook_failures_total',
        'Webhook deliveries that failed at least once and are not delivered, by status (pending retry, dead).',
        gauges.failingWebhookDeliveries.map((row) => ({ labels: { status: row.status }, value: row.count })),
      )
      .gauge(
        'outpost_worker_lock_holder',
        'The manager instance holding each background worker lock (1 for the current holder).',
        gauges.workerLocks.map((row) => ({ labels: { worker: row.name, holder: row.holder }, value: 1 })),
      )
      .gauge('outpost_events_unpublished', 'Outbox events not yet published to the bus.', [
        { value: gauges.unpublishedEvents },
      ]);
  }

  private writeProcessInstruments(writer: ExpositionWriter): void {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const loop = this.metrics.takeEventLoopDelay();
    writer
      .histogram(
        'outpost_dispatch_latency_seconds',
        'From a task becoming due (created, or its schedule time) to its run reported started, on this manager.',
        this.metrics.dispatchLatency.snapshot(),
      )
      .counter('outpost_events_published_total', 'Outbox events this manager published (confirmed).', [
        { value: this.metrics.eventsPublished },
      ])
      .gauge('outpost_bus_connected', 'Whether this manager can publish to its bus (1) or not (0).', [
        { labels: { driver: this.bus.driver }, value: this.bus.isConnected() ? 1 : 0 },
      ])
      .gauge('outpost_live_streams', 'Open console live streams on this manager.', [
        { value: this.metrics.liveStreams },
      ])
      .gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', [{ value: memory.rss }])
      .gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, bytes.', [{ value: memory.heapUsed }])
      .gauge('nodejs_heap_size_total_bytes', 'V8 heap size, bytes.', [{ value: memory.heapTotal }])
      .gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript, bytes.', [
        { value: memory.external },
      ])
      .counter('process_cpu_seconds_total', 'User and system CPU time spent, seconds.', [
        { value: (cpu.user + cpu.system) / 1e6 },
      ])
      .gauge('process_start_time_seconds', 'Start time of the manager since the Unix epoch, seconds.', [
        { value: Math.floor(this.startedAt / 1000) },
      ])
      .gauge('nodejs_eventloop_lag_seconds', 'Mean event loop delay since the previous scrape, seconds.', [
        { value: loop.mean },
      ])
      .gauge(
        'nodejs_eventloop_lag_p99_seconds',
        '99th percentile event loop delay since the previous scrape.',
        [{ value: loop.p99 }],
      )
      .gauge(
        'nodejs_eventloop_lag_max_seconds',
        'Longest event loop delay since the previous scrape, seconds.',
        [{ value: loop.max }],
      );
  }

  /** True when /metrics may be read with this Authorization header. */
  allows(authorization: string | undefined): boolean {
    return checkMetricsToken(this.config.metricsToken, authorization);
  }
}
