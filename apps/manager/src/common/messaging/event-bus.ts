import type { LiveMessage, OutboundEvent, TaskLogMessage } from './bus-messages';

export type LiveListener = (message: LiveMessage) => void;
export type WakeupListener = (zoneId: number) => void;

/**
 * The manager's message bus (port). Two drivers: in-process (the default, one manager) and
 * RabbitMQ (several managers, external consumers). Callers never learn which one runs.
 *
 * - `publishEvents` is the durable path of the outbox: it resolves with the ids that are safely
 *   out (confirmed by the broker), and never rejects; the caller marks only those published.
 * - `publishLog` and `publishWakeup` are best effort: lost while the broker is away, which is fine
 *   (a viewer reloads the log, a held poll ends at its hold time).
 * - Listeners receive messages from every manager, this one included (after publication).
 */
export abstract class EventBus {
  abstract readonly driver: 'in-process' | 'rabbitmq';

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  /** True while messages can go out (always for the in-process bus). */
  abstract isConnected(): boolean;

  abstract publishEvents(events: readonly OutboundEvent[]): Promise<ReadonlySet<number>>;
  abstract publishLog(log: TaskLogMessage): void;
  abstract publishWakeup(zoneId: number): void;

  private readonly liveListeners = new Set<LiveListener>();
  private readonly wakeupListeners = new Set<WakeupListener>();

  /** Events (after publication) and log chunks; returns the unsubscribe function. */
  onLive(listener: LiveListener): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  /** Wake-ups sent by OTHER managers. */
  onWakeup(listener: WakeupListener): () => void {
    this.wakeupListeners.add(listener);
    return () => this.wakeupListeners.delete(listener);
  }

  /** How many live listeners are attached (metrics). */
  liveListenerCount(): number {
    return this.liveListeners.size;
  }

  /** A listener that throws must not keep the message from the others. */
  protected emitLive(message: LiveMessage): void {
    for (const listener of this.liveListeners) {
      try {
        listener(message);
      } catch {
        // A broken viewer is the viewer's problem; the stream code closes it.
      }
    }
  }

  protected emitWakeup(zoneId: number): void {
    for (const listener of this.wakeupListeners) {
      try {
        listener(zoneId);
      } catch {
        // Same as above: one failing listener does not stop the others.
      }
    }
  }
}
