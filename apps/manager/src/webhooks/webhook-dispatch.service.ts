import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { SecretBox } from '../common/crypto/secret-box';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { TransactionRunner } from '../database/transaction-runner';
import { EventCursors } from '../events/event-cursors.repository';
import { OutboxGaps } from '../events/outbox-gaps';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { planDeliveries } from './webhook-matching';
import { taskCallbackMessage, type WebhookMessage, webhookMessage } from './webhook-message';
import { signatureHeader } from './webhook-secret';
import { WebhookSender } from './webhook-sender';
import type { WebhookSettings } from './webhook-settings';
import { retryDelayMs } from './webhook-settings';
import { type AttemptChanges, type DeliveryTarget, WebhooksRepository } from './webhooks.repository';

/** The fan-out's row in `event_cursors`. */
export const FANOUT_CURSOR = 'webhook-fanout';
const FANOUT_BATCH = 500;

/**
 * Turns new outbox events into deliveries, in event id order: one row per (subscription, event)
 * that the subscription wants, written in the same transaction that moves the fan-out's cursor,
 * so an event is fanned out once or not at all.
 */
@Injectable()
export class WebhookFanout {
  private readonly gaps: OutboxGaps;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly cursors: EventCursors,
    private readonly webhooks: WebhooksRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.gaps = new OutboxGaps(config.webhooks.outboxGapWaitMs);
  }

  /** One batch; true when more events are probably waiting. */
  fanOutBatch(): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const cursor = await this.cursors.read(FANOUT_CURSOR, now, manager);
      const events = await this.cursors.after(cursor, FANOUT_BATCH, manager);
      // Wall-clock time: the grace period is about open transactions, not business time.
      const count = this.gaps.readable(
        cursor,
        events.map((event) => event.id),
        Date.now(),
      );
      const batch = events.slice(0, count);
      const last = batch.at(-1);
      if (!last) return false;
      const taskIds = batch.flatMap((event) => (event.taskId === null ? [] : [event.taskId]));
      const subscriptions = await this.webhooks.activeSubscriptionsFor(taskIds, manager);
      const rows = planDeliveries(batch, subscriptions).map(({ subscriptionId, event }) => ({
        subscriptionId,
        eventId: event.id,
        taskId: event.taskId,
        status: 'pending' as const,
        attempts: 0,
        nextAttemptAt: now,
        lastResponseCode: null,
        lastError: null,
        deliveredAt: null,
        createdAt: now,
        updatedAt: now,
      }));
      await this.webhooks.insertDeliveries(rows, manager);
      if (!(await this.cursors.advance(FANOUT_CURSOR, cursor, last.id, now, manager))) {
        throw new Error(
          'the webhook fan-out cursor moved meanwhile (another manager?); the batch is rolled back',
        );
      }
      return count === FANOUT_BATCH;
    });
  }
}

/**
 * One attempt of one delivery: build the body, sign it, POST it, and record the outcome (delivered,
 * retry after backoff, or dead after the last attempt). Nothing secret is logged or stored: the
 * URL is not in the messages, response bodies are not read.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger('Webhooks');
  readonly settings: WebhookSettings;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly sender: WebhookSender,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.settings = config.webhooks;
  }

  due(
    limit: number,
    skip: { deliveryIds: number[]; subscriptionIds: number[] },
  ): Promise<WebhookDeliveryEntity[]> {
    return this.webhooks.findDue(this.clock.now(), limit, skip);
  }

  async attempt(deliveryId: number, signal: AbortSignal): Promise<void> {
    const target = await this.webhooks.findTarget(deliveryId);
    if (!target || target.delivery.status !== 'pending' || signal.aborted) return;
    const message = this.messageOf(target);
    let secret: string | null = null;
    try {
      secret = this.box.open(target.subscription.secretCiphertext);
    } catch {
      secret = null;
    }
    if (!message || secret === null) {
      // Nothing to retry: the task is gone, or the secret was sealed under another key.
      const why = message ? 'signing secret unreadable (credentials key changed?)' : 'task no longer exists';
      await this.record(target, { kind: 'failed', status: null, error: why }, true);
      return;
    }
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const outcome = await this.sender.send({
      url: target.subscription.url,
      body: message.body,
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'Outpost-Webhooks/1',
        'X-Outpost-Event-Id': String(target.event.id),
        'X-Outpost-Event-Type': message.type,
        'X-Outpost-Delivery-Id': String(target.delivery.id),
        'X-Outpost-Signature': signatureHeader(secret, timestamp, message.body),
      },
      timeoutMs: this.settings.timeoutMs,
      signal,
    });
    if (outcome.kind === 'aborted') return;
    await this.record(target, outcome, false);
  }

  private messageOf(target: DeliveryTarget): WebhookMessage | null {
    if (target.subscription.taskId === null) return webhookMessage(target.event);
    return target.task ? taskCallbackMessage(target.event, target.task) : null;
  }

  private async record(
    target: DeliveryTarget,
    outcome: { kind: 'delivered'; status: number } | { kind: 'failed'; status: number | null; error: string },
    final: boolean,
  ): Promise<void> {
    const { delivery } = target;
    const now = this.clock.now();
    const attempts = delivery.attempts + 1;
    let changes: AttemptChanges;
    if (outcome.kind === 'delivered') {
      changes = {
        status: 'delivered',
        attempts,
        nextAttemptAt: null,
        lastResponseCode: outcome.status,
        lastError: null,
        deliveredAt: now,
        updatedAt: now,
      };
    } else {
      const dead = final || attempts >= this.settings.maxAttempts;
      changes = {
        status: dead ? 'dead' : 'pending',
        attempts,
        nextAttemptAt: dead ? null : new Date(now.getTime() + retryDelayMs(this.settings, attempts)),
        lastResponseCode: outcome.status,
        lastError: outcome.error.slice(0, 500),
        deliveredAt: null,
        updatedAt: now,
      };
      const what = `delivery ${delivery.id} (event ${delivery.eventId}, subscription ${delivery.subscriptionId})`;
      if (dead) this.logger.warn(`${what} is dead after ${attempts} attempt(s): ${outcome.error}`);
      else this.logger.debug(`${what}: attempt ${attempts} failed (${outcome.error}); retrying`);
    }
    await this.webhooks.recordAttempt(delivery, changes);
  }
}
