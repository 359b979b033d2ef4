import type { Worker, WorkerContext } from '../workers/worker';
import type { OutboxPublisher } from './outbox-publisher';

/**
 * `event-publisher`: publishes the outbox to the bus (RabbitMQ, or the in-process bus that feeds
 * this manager's live streams). One manager at a time holds it, so events leave in id order.
 */
export class EventPublisherWorker implements Worker {
  readonly name = 'event-publisher';

  constructor(
    private readonly publisher: OutboxPublisher,
    readonly intervalMs: number,
  ) {}

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    if (context.signal.aborted) return { again: false };
    const pass = await this.publisher.publishPending();
    return { again: pass.more };
  }
}
