import { type RouteBodyInput, type WebhookDeliveryStatus, webhookRoutes } from '@outpost/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

export const WEBHOOKS_PAGE_SIZE = 25;
export const DELIVERIES_PAGE_SIZE = 20;

/** Query keys of the webhooks feature, generic to specific. */
export const webhookKeys = {
  all: ['webhooks'] as const,
  lists: () => [...webhookKeys.all, 'list'] as const,
  list: (page: number) => [...webhookKeys.lists(), { page }] as const,
  deliveries: (webhookId: number) => [...webhookKeys.all, 'deliveries', webhookId] as const,
  deliveryPage: (webhookId: number, page: number, status: WebhookDeliveryStatus | null) =>
    [...webhookKeys.deliveries(webhookId), { page, status }] as const,
};

const withId = (path: string, name: string, id: number) => path.replace(`:${name}`, String(id));

export const webhooksQuery = (page: number) =>
  queryOptions({
    queryKey: webhookKeys.list(page),
    queryFn: ({ signal }) =>
      apiFetch(`${webhookRoutes.list.path}?page=${page}&pageSize=${WEBHOOKS_PAGE_SIZE}`, {
        schema: webhookRoutes.list.response,
        signal,
      }),
    placeholderData: keepPreviousData,
  });

export const deliveriesQuery = (webhookId: number, page: number, status: WebhookDeliveryStatus | null) =>
  queryOptions({
    queryKey: webhookKeys.deliveryPage(webhookId, page, status),
    queryFn: ({ signal }) => {
      const query = new URLSearchParams({ page: String(page), pageSize: String(DELIVERIES_PAGE_SIZE) });
      if (status) query.set('status', status);
      return apiFetch(`${withId(webhookRoutes.deliveries.path, 'webhookId', webhookId)}?${query}`, {
        schema: webhookRoutes.deliveries.response,
        signal,
      });
    },
    placeholderData: keepPreviousData,
    // Retries happen in the manager without an event; look again while some are still pending.
    refetchInterval: (query) =>
      query.state.data?.items.some((delivery) => delivery.status === 'pending') ? 5_000 : false,
  });

export function createWebhook(body: RouteBodyInput<typeof webhookRoutes.create>) {
  return apiFetch(webhookRoutes.create.path, {
    method: webhookRoutes.create.method,
    body,
    schema: webhookRoutes.create.response,
  });
}

export function updateWebhook(webhookId: number, body: RouteBodyInput<typeof webhookRoutes.update>) {
  return apiFetch(withId(webhookRoutes.update.path, 'webhookId', webhookId), {
    method: webhookRoutes.update.method,
    body,
    schema: webhookRoutes.update.response,
  });
}

export function deleteWebhook(webhookId: number) {
  return apiFetch(withId(webhookRoutes.delete.path, 'webhookId', webhookId), {
    method: webhookRoutes.delete.method,
    schema: webhookRoutes.delete.response,
  });
}

export function redeliver(deliveryId: number) {
  return apiFetch(withId(webhookRoutes.redeliver.path, 'deliveryId', deliveryId), {
    method: webhookRoutes.redeliver.method,
    schema: webhookRoutes.redeliver.response,
  });
}
