import { Injectable, Module } from '@nestjs/common';

type Waiter = (woken: boolean) => void;

/**
 * Wakes the zone primaries' held polls when their zone has new work (a task became deliverable)
 * or delivered work was canceled, so a task reaches an idle agent in milliseconds instead of at
 * the end of the poll's hold.
 *
 * `notify` wakes the polls this manager holds and hands the zone to the relay, if one is set: with
 * RabbitMQ the wake-up relay (messaging feature) publishes it so other managers holding the zone's
 * poll wake too, and calls `wake` for wake-ups from other managers. Callers do not change.
 *
 * Every wake also bumps the zone's version: what the poll keeps of a zone between polls
 * (ZoneViews) is valid only for the version it was read under. So notify after EVERY commit that
 * can give a zone work or change its agents, even when no poll is waiting.
 */
@Injectable()
export class WorkSignal {
  private readonly waiters = new Map<number, Set<Waiter>>();
  private readonly versions = new Map<number, number>();
  private relay: ((zoneId: number) => void) | null = null;

  /** Call AFTER the transaction that made the work visible commits, or a woken poll finds nothing. */
  notify(zoneId: number): void {
    this.wake(zoneId);
    this.relay?.(zoneId);
  }

  /** Sends every `notify` on to other managers as well; returns the function that removes it. */
  relayTo(relay: (zoneId: number) => void): () => void {
    this.relay = relay;
    return () => {
      if (this.relay === relay) this.relay = null;
    };
  }

  /** Counts the zone's wakes: a value read before a look and unchanged after it means nothing was signalled meanwhile. */
  version(zoneId: number): number {
    return this.versions.get(zoneId) ?? 0;
  }

  /** Releases every wait of the zone held by this process. */
  wake(zoneId: number): void {
    this.versions.set(zoneId, this.version(zoneId) + 1);
    const waiting = this.waiters.get(zoneId);
    if (!waiting) return;
    this.waiters.delete(zoneId);
    for (const resolve of waiting) resolve(true);
  }

  /**
   * Resolves true when the zone is notified within `ms`, false when the time is up or `abort`
   * fires first (the client went away, or the caller no longer needs it). Never rejects. Start it
   * BEFORE looking for work: a notify that lands while the caller is still looking then counts.
   */
  wait(zoneId: number, ms: number, abort?: AbortSignal): Promise<boolean> {
    if (abort?.aborted || ms <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let waiting = this.waiters.get(zoneId);
      if (!waiting) {
        waiting = new Set();
        this.waiters.set(zoneId, waiting);
      }
      const finish: Waiter = (woken) => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(zoneId);
        if (set?.delete(finish) && set.size === 0) this.waiters.delete(zoneId);
        resolve(woken);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      abort?.addEventListener('abort', onAbort, { once: true });
      waiting.add(finish);
    });
  }

  /** How many waits of the zone are held now (for tests and metrics). */
  waiting(zoneId: number): number {
    return this.waiters.get(zoneId)?.size ?? 0;
  }
}

/** Its own module so the tasks feature (which notifies) and the work feature (which waits) share one instance without importing each other. */
@Module({ providers: [WorkSignal], exports: [WorkSignal] })
export class WorkSignalModule {}
