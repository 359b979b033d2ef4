import { credentialRoutes, type RouteBodyInput } from '@outpost/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

export const CREDENTIALS_PAGE_SIZE = 50;

/** Query keys of the credentials feature, generic to specific. */
export const credentialKeys = {
  all: ['credentials'] as const,
  zone: (zoneId: number) => [...credentialKeys.all, zoneId] as const,
  list: (zoneId: number, page: number) => [...credentialKeys.zone(zoneId), 'list', { page }] as const,
};

const inZone = (path: string, zoneId: number) => path.replace(':zoneId', String(zoneId));
const credentialPath = (path: string, zoneId: number, credentialId: number) =>
  inZone(path, zoneId).replace(':credentialId', String(credentialId));

export const credentialsQuery = (zoneId: number, page: number) =>
  queryOptions({
    queryKey: credentialKeys.list(zoneId, page),
    queryFn: ({ signal }) =>
      apiFetch(
        `${inZone(credentialRoutes.list.path, zoneId)}?page=${page}&pageSize=${CREDENTIALS_PAGE_SIZE}`,
        {
          schema: credentialRoutes.list.response,
          signal,
        },
      ),
    placeholderData: keepPreviousData,
  });

export function createCredential(zoneId: number, body: RouteBodyInput<typeof credentialRoutes.create>) {
  return apiFetch(inZone(credentialRoutes.create.path, zoneId), {
    method: credentialRoutes.create.method,
    body,
    schema: credentialRoutes.create.response,
  });
}

export function replaceCredentialValue(
  zoneId: number,
  credentialId: number,
  body: RouteBodyInput<typeof credentialRoutes.update>,
) {
  return apiFetch(credentialPath(credentialRoutes.update.path, zoneId, credentialId), {
    method: credentialRoutes.update.method,
    body,
    schema: credentialRoutes.update.response,
  });
}

export function deleteCredential(zoneId: number, credentialId: number) {
  return apiFetch(credentialPath(credentialRoutes.delete.path, zoneId, credentialId), {
    method: credentialRoutes.delete.method,
    schema: credentialRoutes.delete.response,
  });
}
