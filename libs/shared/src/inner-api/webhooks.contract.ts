import { z } from 'zod';
import { idSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';
import { eventTypes } from '../events/event-envelope';

/** `*` subscribes to every event type, present and future. */
export const WEBHOOK_ALL_EVENTS = '*';

/** http(s) only, and no user name or password in it: the signature authenticates the manager. */
export const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048)
  .refine((value) => {
    const url = new URL(value);
    return url.username === '' && url.password === '';
  }, 'must not contain a user name or password; the signature header authenticates the manager');

const webhookEventsSchema = z
  .array(z.union([z.enum(eventTypes), z.literal(WEBHOOK_ALL_EVENTS)]))
  .min(1, 'name at least one event type, or "*" for all')
  .max(eventTypes.length + 1)
  .transform((events) => [...new Set(events)]);

export const webhookSchema = z
  .object({
    id: z.number().int(),
    zoneId: z.number().int().nullable().describe('null: events of every zone'),
    url: z.string(),
    events: z.array(z.string()).describe('Event types, or "*" for all'),
    isActive: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof webhookSchema>;

/** The only answer that carries the signing secret: right after the manager generated it. */
export const createdWebhookSchema = z
  .object({
    webhook: webhookSchema,
    secret: z
      .string()
      .describe(
        'Shown once. Verify X-Outpost-Signature (t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">) with it.',
      ),
  })
  .meta({ id: 'CreatedWebhook' });
export type CreatedWebhook = z.infer<typeof createdWebhookSchema>;

export const createWebhookRequestSchema = z
  .strictObject({
    url: webhookUrlSchema,
    events: webhookEventsSchema,
    zoneId: idSchema.nullable().optional().describe('Only events of this zone; omit for every zone'),
  })
  .meta({ id: 'CreateWebhookRequest' });
export type CreateWebhookRequest = z.output<typeof createWebhookRequestSchema>;

export const updateWebhookRequestSchema = z
  .strictObject({
    url: webhookUrlSchema.optional(),
    events: webhookEventsSchema.optional(),
    isActive: z.boolean().optional().describe('An inactive webhook gets no new deliveries and sends none'),
  })
  .refine(
    (body) => body.url !== undefined || body.events !== undefined || body.isActive !== undefined,
    'give at least one of url, events, isActive',
  )
  .meta({ id: 'UpdateWebhookRequest' });
export type UpdateWebhookRequest = z.output<typeof updateWebhookRequestSchema>;

export const webhookDeliveryStatuses = ['pending', 'delivered', 'dead'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

export const webhookDeliverySchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(['webhook', 'task-callback']),
    webhookId: z.number().int().nullable().describe('null for a task callback-URL delivery'),
    eventId: z.string().describe('The X-Outpost-Event-Id sent'),
    eventType: z.string(),
    taskId: z.number().int().nullable(),
    status: z.enum(webhookDeliveryStatuses),
    attempts: z.number().int(),
    lastResponseCode: z.number().int().nullable(),
    lastError: z
      .string()
      .nullable()
      .describe('Short reason of the last failure; response bodies are not kept'),
    nextAttemptAt: timestampSchema.nullable(),
    deliveredAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const listWebhooksQuerySchema = pageQuerySchema.extend({
  zoneId: idSchema.optional().describe('Webhooks of this zone (not the all-zones ones)'),
});
export const listWebhookDeliveriesQuerySchema = pageQuerySchema.extend({
  status: z.enum(webhookDeliveryStatuses).optional(),
});

const webhookParamsSchema = z.object({ webhookId: idSchema });
const deletedWebhookSchema = z.object({ deleted: z.literal(true) });

export const webhookRoutes = {
  create: defineRoute({
    id: 'createWebhook',
    method: 'POST',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: 'Subscribe a URL to events (the signing secret is shown once)',
    access: 'operator',
    body: createWebhookRequestSchema,
    status: 201,
    response: createdWebhookSchema,
  }),
  list: defineRoute({
    id: 'listWebhooks',
    method: 'GET',
    path: '/api/v1/webhooks',
    tag: 'Webhooks',
    summary: 'List webhooks, newest first',
    access: 'viewer',
    query: listWebhooksQuerySchema,
    status: 200,
    response: pageOf(webhookSchema),
  }),
  get: defineRoute({
    id: 'getWebhook',
    method: 'GET',
    path: '/api/v1/webhooks/:webhookId',
    tag: 'Webhooks',
    summary: 'Get a webhook (never its secret)',
    access: 'viewer',
    params: webhookParamsSchema,
    status: 200,
    response: webhookSchema,
  }),
  update: defineRoute({
    id: 'updateWebhook',
    method: 'PATCH',
    path: '/api/v1/webhooks/:webhookId',
    tag: 'Webhooks',
    summary: "Change a webhook's URL, events or active flag",
    access: 'operator',
    params: webhookParamsSchema,
    body: updateWebhookRequestSchema,
    status: 200,
    response: webhookSchema,
  }),
  delete: defineRoute({
    id: 'deleteWebhook',
    method: 'DELETE',
    path: '/api/v1/webhooks/:webhookId',
    tag: 'Webhooks',
    summary: 'Delete a webhook and its delivery log',
    access: 'operator',
    params: webhookParamsSchema,
    status: 200,
    response: deletedWebhookSchema,
  }),
  deliveries: defineRoute({
    id: 'listWebhookDeliveries',
    method: 'GET',
    path: '/api/v1/webhooks/:webhookId/deliveries',
    tag: 'Webhooks',
    summary: "A webhook's delivery log, newest first",
    access: 'viewer',
    params: webhookParamsSchema,
    query: listWebhookDeliveriesQuerySchema,
    status: 200,
    response: pageOf(webhookDeliverySchema),
  }),
  taskCallbackDeliveries: defineRoute({
    id: 'listTaskCallbackDeliveries',
    method: 'GET',
    path: '/api/v1/tasks/:taskId/callback-deliveries',
    tag: 'Webhooks',
    summary: "The delivery log of a task's callback URL, newest first",
    access: 'viewer',
    params: z.object({ taskId: idSchema }),
    query: listWebhookDeliveriesQuerySchema,
    status: 200,
    response: pageOf(webhookDeliverySchema),
  }),
  redeliver: defineRoute({
    id: 'redeliverWebhookDelivery',
    method: 'POST',
    path: '/api/v1/webhook-deliveries/:deliveryId/redeliver',
    tag: 'Webhooks',
    summary: 'Send a delivery again now (a dead or delivered one starts a fresh round of attempts)',
    access: 'operator',
    params: z.object({ deliveryId: idSchema }),
    status: 200,
    response: webhookDeliverySchema,
  }),
} as const;
