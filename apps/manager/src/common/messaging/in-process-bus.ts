import type { OutboundEvent, TaskLogMessage } from './bus-messages';
import { EventBus } from './event-bus';

/**
 * The default bus of a single manager: nothing leaves the process. Events count as published as
 * soon as the local listeners have them (there is no broker to confirm), log chunks go straight
 * to the listeners, and wake-ups go nowhere (the local WorkSignal already woke this process).
 */
export class InProcessBus extends EventBus {
  readonly driver = 'in-process' as const;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  isConnected(): boolean {
    return true;
  }

  publishEvents(events: readonly OutboundEvent[]): Promise<ReadonlySet<number>> {
    for (const event of events) this.emitLive({ kind: 'event', event });
    return Promise.resolve(new Set(events.map((event) => event.id)));
  }

  publishLog(log: TaskLogMessage): void {
    this.emitLive({ kind: 'task.log', log });
  }

  publishWakeup(_zoneId: number): void {}
}
