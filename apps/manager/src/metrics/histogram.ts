/** Upper bounds (seconds) for dispatch latency: the budget is p50 ≤ 0.1 s and p99 ≤ 0.5 s. */
export const DISPATCH_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export interface HistogramSnapshot {
  /** Cumulative counts per upper bound, `+Inf` last. */
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** A Prometheus histogram kept in memory: cumulative bucket counts, sum and count. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[]) {
    if (bounds.some((bound, index) => index > 0 && bound <= (bounds[index - 1] ?? -Infinity))) {
      throw new Error('histogram bounds must increase');
    }
    this.counts = bounds.map(() => 0);
  }

  /** Negative or non-finite values (clock skew, bad input) are ignored rather than skewing the sum. */
  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.sum += value;
    this.count += 1;
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const buckets = this.bounds.map((le, index) => {
      running += this.counts[index] ?? 0;
      return { le, count: running };
    });
    buckets.push({ le: Infinity, count: this.count });
    return { buckets, sum: this.sum, count: this.count };
  }
}
