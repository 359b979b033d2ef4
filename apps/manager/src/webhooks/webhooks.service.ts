import { Injectable } from '@nestjs/common';
import type {
  CreatedWebhook,
  CreateWebhookRequest,
  Page,
  UpdateWebhookRequest,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryStatus,
} from '@outpost/shared';
import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/clock/clock';
import { SecretBox } from '../common/crypto/secret-box';
import { notFound } from '../common/errors/app-error';
import { pageResult } from '../database/paging';
import { ZonesService } from '../zones/zones.service';
import { toWebhook, toWebhookDelivery } from './webhook.mapper';
import { generateSigningSecret } from './webhook-secret';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhooksRepository } from './webhooks.repository';

type PageQuery = { page: number; pageSize: number };
type DeliveryQuery = PageQuery & { status?: WebhookDeliveryStatus | undefined };

/**
 * Webhook subscriptions and their delivery log. The signing secret is generated here (never chosen
 * by a caller), shown once in the create answer and stored sealed; no other answer carries it.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly zones: ZonesService,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async create(request: CreateWebhookRequest, principal: Principal): Promise<CreatedWebhook> {
    const zoneId = request.zoneId ?? null;
    if (zoneId !== null) await this.zones.require(zoneId);
    const secret = generateSigningSecret();
    const now = this.clock.now();
    const saved = await this.webhooks.insertSubscription({
      zoneId,
      taskId: null,
      url: request.url,
      eventTypes: request.events,
      secretCiphertext: this.box.seal(secret),
      isActive: true,
      createdByUserId: principal.userId,
      createdAt: now,
      updatedAt: now,
    });
    return { webhook: toWebhook(saved), secret };
  }

  async list(query: PageQuery & { zoneId?: number | undefined }): Promise<Page<Webhook>> {
    const [rows, total] = await this.webhooks.findWebhookPage(query);
    return pageResult(rows.map(toWebhook), total, query);
  }

  async get(id: number): Promise<Webhook> {
    return toWebhook(await this.require(id));
  }

  async update(id: number, request: UpdateWebhookRequest): Promise<Webhook> {
    const subscription = await this.require(id);
    if (request.url !== undefined) subscription.url = request.url;
    if (request.events !== undefined) subscription.eventTypes = request.events;
    if (request.isActive !== undefined) subscription.isActive = request.isActive;
    subscription.updatedAt = this.clock.now();
    return toWebhook(await this.webhooks.saveSubscription(subscription));
  }

  async delete(id: number): Promise<{ deleted: true }> {
    await this.require(id);
    await this.webhooks.deleteSubscription(id);
    return { deleted: true };
  }

  async deliveries(id: number, query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
    await this.require(id);
    const [rows, total] = await this.webhooks.findDeliveryPage(id, query);
    return pageResult(rows.map(toWebhookDelivery), total, query);
  }

  /** The delivery log of a task's callback URL; empty for a task without one. */
  async taskCallbackDeliveries(taskId: number, query: DeliveryQuery): Promise<Page<WebhookDelivery>> {
    const callback = await this.webhooks.findTaskCallback(taskId);
    if (!callback) {
      if (!(await this.webhooks.taskExists(taskId))) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
      return pageResult([], 0, query);
    }
    const [rows, total] = await this.webhooks.findDeliveryPage(callback.id, query);
    return pageResult(rows.map(toWebhookDelivery), total, query);
  }

  /**
   * Sends a delivery again as soon as the delivery worker looks: a dead or delivered one starts a
   * fresh round of attempts; a pending one (waiting for its backoff) becomes due now.
   */
  async redeliver(deliveryId: number): Promise<WebhookDelivery> {
    for (let tries = 0; tries < 3; tries += 1) {
      const delivery = await this.webhooks.findDelivery(deliveryId);
      if (!delivery) throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'Webhook delivery', deliveryId);
      // Guarded on the status just read; a worker that recorded an attempt in between wins, then we retry.
      if (await this.webhooks.redeliver(delivery, this.clock.now())) break;
    }
    const updated = await this.webhooks.findDelivery(deliveryId);
    if (!updated) throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', 'Webhook delivery', deliveryId);
    return toWebhookDelivery(updated);
  }

  private async require(id: number): Promise<WebhookSubscriptionEntity> {
    const found = await this.webhooks.findWebhook(id);
    if (!found) throw notFound('WEBHOOK_NOT_FOUND', 'Webhook', id);
    return found;
  }
}
