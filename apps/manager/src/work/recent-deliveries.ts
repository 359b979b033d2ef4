/**
 * What this manager put in recent poll replies. At-least-once delivery re-sends unacknowledged
 * runs and pending cancels on every reply, but a reply holding only such repeats is not news: the
 * poll then waits (up to pollWaitMs) instead of answering at once, so a secondary that never
 * acknowledges cannot make its primary poll in a tight loop. Per process on purpose: another
 * manager simply re-sends once more.
 */
export class RecentDeliveries {
  private readonly sentAt = new Map<string, number>();

  constructor(private readonly maxEntries = 50_000) {}

  /** True when any item was not sent within the last `withinMs`. */
  hasNews(keys: readonly string[], nowMs: number, withinMs: number): boolean {
    return keys.some((key) => {
      const at = this.sentAt.get(key);
      return at === undefined || nowMs - at >= withinMs;
    });
  }

  markSent(keys: readonly string[], nowMs: number): void {
    for (const key of keys) {
      this.sentAt.delete(key); // re-insert: the map stays ordered oldest first
      this.sentAt.set(key, nowMs);
    }
    while (this.sentAt.size > this.maxEntries) {
      const oldest = this.sentAt.keys().next().value;
      if (oldest === undefined) break;
      this.sentAt.delete(oldest);
    }
  }
}

export const assignmentKey = (runId: number) => `run:${runId}`;
export const cancelKey = (runId: number) => `cancel:${runId}`;
