import { apiKeyRoutes, type RouteBodyInput } from '@outpost/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

export const API_KEYS_PAGE_SIZE = 50;

/** Query keys of the API keys feature, generic to specific. */
export const apiKeyKeys = {
  all: ['api-keys'] as const,
  zone: (zoneId: number) => [...apiKeyKeys.all, zoneId] as const,
  list: (zoneId: number, page: number) => [...apiKeyKeys.zone(zoneId), 'list', { page }] as const,
};

const inZone = (path: string, zoneId: number) => path.replace(':zoneId', String(zoneId));

export const apiKeysQuery = (zoneId: number, page: number) =>
  queryOptions({
    queryKey: apiKeyKeys.list(zoneId, page),
    queryFn: ({ signal }) =>
      apiFetch(`${inZone(apiKeyRoutes.list.path, zoneId)}?page=${page}&pageSize=${API_KEYS_PAGE_SIZE}`, {
        schema: apiKeyRoutes.list.response,
        signal,
      }),
    placeholderData: keepPreviousData,
  });

type KeyBody = RouteBodyInput<typeof apiKeyRoutes.create>;

export function createApiKey(zoneId: number, body: KeyBody) {
  return apiFetch(inZone(apiKeyRoutes.create.path, zoneId), {
    method: apiKeyRoutes.create.method,
    body,
    schema: apiKeyRoutes.create.response,
  });
}

/** Issues a new key and revokes every other key of the zone. */
export function rotateApiKeys(zoneId: number, body: KeyBody) {
  return apiFetch(inZone(apiKeyRoutes.rotate.path, zoneId), {
    method: apiKeyRoutes.rotate.method,
    body,
    schema: apiKeyRoutes.rotate.response,
  });
}

export function revokeApiKey(zoneId: number, keyId: number) {
  return apiFetch(inZone(apiKeyRoutes.revoke.path, zoneId).replace(':keyId', String(keyId)), {
    method: apiKeyRoutes.revoke.method,
    schema: apiKeyRoutes.revoke.response,
  });
}
