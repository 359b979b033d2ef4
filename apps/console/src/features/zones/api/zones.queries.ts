import { type RouteBodyInput, zoneRoutes } from '@outpost/shared';
import { queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

/** Query keys of the zones feature, generic to specific. */
export const zoneKeys = {
  all: ['zones'] as const,
  lists: () => [...zoneKeys.all, 'list'] as const,
  details: () => [...zoneKeys.all, 'detail'] as const,
  detail: (zoneId: number) => [...zoneKeys.details(), zoneId] as const,
};

const withId = (zoneId: number) => zoneRoutes.get.path.replace(':zoneId', String(zoneId));

/** Every zone (a manager has few; the largest page is asked for). */
export const zonesQuery = () =>
  queryOptions({
    queryKey: zoneKeys.lists(),
    queryFn: ({ signal }) =>
      apiFetch(`${zoneRoutes.list.path}?pageSize=500`, { schema: zoneRoutes.list.response, signal }),
  });

/** One zone with counts of what belongs to it. */
export const zoneQuery = (zoneId: number) =>
  queryOptions({
    queryKey: zoneKeys.detail(zoneId),
    queryFn: ({ signal }) => apiFetch(withId(zoneId), { schema: zoneRoutes.get.response, signal }),
  });

export function createZone(body: RouteBodyInput<typeof zoneRoutes.create>) {
  return apiFetch(zoneRoutes.create.path, {
    method: zoneRoutes.create.method,
    body,
    schema: zoneRoutes.create.response,
  });
}

export function updateZone(zoneId: number, body: RouteBodyInput<typeof zoneRoutes.update>) {
  return apiFetch(withId(zoneId), {
    method: zoneRoutes.update.method,
    body,
    schema: zoneRoutes.update.response,
  });
}

export function deleteZone(zoneId: number) {
  return apiFetch(withId(zoneId), { method: zoneRoutes.delete.method, schema: zoneRoutes.delete.response });
}
