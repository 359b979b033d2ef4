import type { LiveMessage } from '../common/messaging/bus-messages';

/**
 * Joins the replay from the outbox with the live messages without losing or repeating events.
 * Live messages arriving while the replay is read are held back; once the replay is out they
 * follow, minus the events the replay already sent. Only the replayed ids are skipped (not
 * everything up to the highest one): on MariaDB an event with a lower id can commit after one with
 * a higher id, and it must still be delivered live.
 */
export class ReplayGate {
  private held: LiveMessage[] | null = [];
  private replayed = new Set<number>();

  /** `maxHeld` bounds what is held during the replay; past it `push` answers 'overflow'. */
  constructor(
    private readonly deliver: (message: LiveMessage) => void,
    private readonly maxHeld = 1_000,
  ) {}

  push(message: LiveMessage): 'ok' | 'overflow' {
    if (this.held) {
      if (this.held.length >= this.maxHeld) return 'overflow';
      this.held.push(message);
      return 'ok';
    }
    if (!this.isReplayed(message)) this.deliver(message);
    return 'ok';
  }

  /** The replay (these ids) has been sent: release what was held. */
  open(replayedIds: Iterable<number>): void {
    this.replayed = new Set(replayedIds);
    const held = this.held ?? [];
    this.held = null;
    for (const message of held) if (!this.isReplayed(message)) this.deliver(message);
  }

  private isReplayed(message: LiveMessage): boolean {
    return message.kind === 'event' && this.replayed.has(message.event.id);
  }
}
