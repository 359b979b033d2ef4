/** An agent row is rewritten at most this often while nothing about its state changes. */
export const SEEN_WRITE_INTERVAL_MS = 10_000;
/** A run's heartbeat is written at most this often. */
export const HEARTBEAT_WRITE_INTERVAL_MS = 5_000;

/**
 * Remembers when this manager last wrote something per key (agent, run), so hot paths write at
 * most once per interval: the primary's poll and the agents' heartbeats must not cost a database
 * write per request (ARCHITECTURE §10). In memory on purpose: after a restart, or on another
 * manager, the first request writes once, which is harmless.
 */
export class WriteThrottle<K> {
  private readonly last = new Map<K, number>();

  constructor(
    private readonly intervalMs: number,
    /** Bound on remembered keys; past it, entries older than the interval are dropped. */
    private readonly maxEntries = 100_000,
  ) {}

  /** True when nothing was written for `key` within the interval. */
  isDue(key: K, now: Date): boolean {
    const at = this.last.get(key);
    return at === undefined || now.getTime() - at >= this.intervalMs;
  }

  record(key: K, now: Date): void {
    this.last.set(key, now.getTime());
    if (this.last.size > this.maxEntries) this.prune(now);
  }

  forget(key: K): void {
    this.last.delete(key);
  }

  get size(): number {
    return this.last.size;
  }

  private prune(now: Date): void {
    for (const [key, at] of this.last) if (now.getTime() - at >= this.intervalMs) this.last.delete(key);
  }
}
