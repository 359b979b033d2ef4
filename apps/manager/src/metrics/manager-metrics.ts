import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DISPATCH_LATENCY_BUCKETS, Histogram } from './histogram';

/**
 * Instruments kept in this process's memory (the database gauges are read at scrape time). One
 * instance per manager; Prometheus scrapes each manager and sums.
 */
@Injectable()
export class ManagerMetrics implements OnModuleDestroy {
  /** Task became due (created, or its schedule time) → its run reported started. */
  readonly dispatchLatency = new Histogram(DISPATCH_LATENCY_BUCKETS);
  private publishedEvents = 0;
  private liveStreamCount = 0;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor() {
    this.loopDelay.enable();
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  observeDispatchLatency(seconds: number): void {
    this.dispatchLatency.observe(seconds);
  }

  countPublishedEvents(count: number): void {
    this.publishedEvents += count;
  }

  get eventsPublished(): number {
    return this.publishedEvents;
  }

  setLiveStreams(count: number): void {
    this.liveStreamCount = count;
  }

  get liveStreams(): number {
    return this.liveStreamCount;
  }

  /** Event loop delay since the previous call (mean, p99, max; seconds), then starts a new window. */
  takeEventLoopDelay(): { mean: number; p99: number; max: number } {
    const toSeconds = (nanos: number) => (Number.isFinite(nanos) ? nanos / 1e9 : 0);
    const window = {
      mean: toSeconds(this.loopDelay.mean),
      p99: toSeconds(this.loopDelay.percentile(99)),
      max: toSeconds(this.loopDelay.max),
    };
    this.loopDelay.reset();
    return window;
  }
}
