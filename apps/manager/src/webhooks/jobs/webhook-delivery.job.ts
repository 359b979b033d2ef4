import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Worker, WorkerContext } from '../../workers/worker';
import { WebhookDeliverer } from '../webhook-dispatch.service';
import { perSubscriptionLimit } from '../webhook-settings';

/**
 * Worker `webhook-delivery`. A pass starts the due deliveries that fit in the free slots and
 * returns without waiting for them, so one slow receiver (up to the timeout per attempt) never
 * holds back the others: at most `concurrency` attempts are in flight, and one subscription holds
 * at most half of them. The attempts stop (uncounted) when the lock is lost or the manager stops.
 */
@Injectable()
export class WebhookDeliveryJob implements Worker, BeforeApplicationShutdown {
  readonly name = 'webhook-delivery';
  readonly intervalMs: number;
  private readonly logger = new Logger('Webhooks');
  /** Delivery id → its subscription id, for the attempts in flight. */
  private readonly inFlight = new Map<number, number>();
  private readonly attempts = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deliverer: WebhookDeliverer) {
    this.intervalMs = deliverer.settings.deliveryIntervalMs;
  }

  async runOnce(context: WorkerContext): Promise<void> {
    const { concurrency } = this.deliverer.settings;
    const perSubscription = perSubscriptionLimit(this.deliverer.settings);
    if (context.signal.aborted || this.inFlight.size >= concurrency) return;
    const load = new Map<number, number>();
    for (const subscriptionId of this.inFlight.values()) {
      load.set(subscriptionId, (load.get(subscriptionId) ?? 0) + 1);
    }
    const busy = [...load].filter(([, count]) => count >= perSubscription).map(([id]) => id);
    const due = await this.deliverer.due(concurrency * 2, {
      deliveryIds: [...this.inFlight.keys()],
      subscriptionIds: busy,
    });
    for (const delivery of due) {
      if (this.inFlight.size >= concurrency || context.signal.aborted) break;
      const count = load.get(delivery.subscriptionId) ?? 0;
      if (count >= perSubscription) continue;
      load.set(delivery.subscriptionId, count + 1);
      this.start(delivery.id, delivery.subscriptionId, context.signal);
    }
  }

  /** Resolves when no attempt is in flight (tests; shutdown). */
  async settled(): Promise<void> {
    while (this.attempts.size > 0) await Promise.allSettled([...this.attempts]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.settled();
  }

  private start(deliveryId: number, subscriptionId: number, signal: AbortSignal): void {
    this.inFlight.set(deliveryId, subscriptionId);
    const attempt = this.deliverer
      .attempt(deliveryId, AbortSignal.any([signal, this.stopping.signal]))
      .catch((error: unknown) => {
        this.logger.error(
          `delivery ${deliveryId}: attempt failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => {
        this.inFlight.delete(deliveryId);
        this.attempts.delete(attempt);
      });
    this.attempts.add(attempt);
  }
}
