/**
 * Reading the outbox by id needs care: ids are taken when a row is inserted, not when its
 * transaction commits, so on MySQL/MariaDB a reader can see event 12 while event 11's transaction
 * is still open. Skipping 11 would lose it for good; waiting forever would stall on an id whose
 * transaction rolled back. So a missing id is waited for, up to a grace period, then passed over.
 */
export class OutboxGaps {
  /** The first missing id and when this reader first saw it missing. */
  private waiting: { id: number; since: number } | null = null;

  constructor(private readonly graceMs: number) {}

  /**
   * Of `ids` (ascending, all > cursor), how many can be handled now: the run that continues the
   * cursor without a hole, or past a hole at its front that has been open for the grace period.
   */
  readable(cursor: number, ids: readonly number[], nowMs: number): number {
    let expected = cursor + 1;
    let count = 0;
    for (const id of ids) {
      if (id !== expected) {
        if (count > 0) break; // handle the contiguous part; the hole is at the front next time
        if (this.waiting?.id !== expected) this.waiting = { id: expected, since: nowMs };
        if (nowMs - this.waiting.since < this.graceMs) break;
      }
      count += 1;
      expected = id + 1;
    }
    if (count > 0) this.waiting = null;
    return count;
  }
}
