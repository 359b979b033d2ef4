import { TASK_RESULT_CALLBACK_TYPE, type Webhook, type WebhookDelivery } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export function toWebhook(subscription: WebhookSubscriptionEntity): Webhook {
  return {
    id: subscription.id,
    zoneId: subscription.zoneId,
    url: subscription.url,
    events: [...subscription.eventTypes],
    isActive: subscription.isActive,
    createdAt: iso(subscription.createdAt),
    updatedAt: iso(subscription.updatedAt),
  };
}

/** Needs the delivery's subscription (webhook or task callback) and event loaded. */
export function toWebhookDelivery(delivery: WebhookDeliveryEntity): WebhookDelivery {
  const taskCallback = delivery.subscription?.taskId != null;
  return {
    id: delivery.id,
    kind: taskCallback ? 'task-callback' : 'webhook',
    webhookId: taskCallback ? null : delivery.subscriptionId,
    eventId: String(delivery.eventId),
    eventType: taskCallback ? TASK_RESULT_CALLBACK_TYPE : (delivery.event?.type ?? 'UNKNOWN'),
    taskId: delivery.taskId,
    status: delivery.status,
    attempts: delivery.attempts,
    lastResponseCode: delivery.lastResponseCode,
    lastError: delivery.lastError,
    nextAttemptAt: iso(delivery.nextAttemptAt),
    deliveredAt: iso(delivery.deliveredAt),
    createdAt: iso(delivery.createdAt),
    updatedAt: iso(delivery.updatedAt),
  };
}
