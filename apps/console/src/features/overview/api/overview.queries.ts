import { agentRoutes, type TaskStatus, taskRoutes } from '@outpost/shared';
import { queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

/** Query keys of the overview, generic to specific; the live stream invalidates `['overview']`. */
export const overviewKeys = {
  all: ['overview'] as const,
  zone: (zoneId: number) => [...overviewKeys.all, zoneId] as const,
  agents: (zoneId: number) => [...overviewKeys.zone(zoneId), 'agents'] as const,
  primary: (zoneId: number) => [...overviewKeys.zone(zoneId), 'primary'] as const,
  taskCount: (zoneId: number, statuses: readonly TaskStatus[]) =>
    [...overviewKeys.zone(zoneId), 'task-count', statuses.join(',')] as const,
  recentFailures: (zoneId: number) => [...overviewKeys.zone(zoneId), 'recent-failures'] as const,
};

const zoneUrl = (path: string, zoneId: number) => path.replace(':zoneId', String(zoneId));

/** The zone's agents (a zone has at most a few hundred; one page of the largest size). */
export const zoneAgentsQuery = (zoneId: number) =>
  queryOptions({
    queryKey: overviewKeys.agents(zoneId),
    queryFn: ({ signal }) =>
      apiFetch(`${zoneUrl(agentRoutes.listOfZone.path, zoneId)}?pageSize=500`, {
        schema: agentRoutes.listOfZone.response,
        signal,
      }),
  });

export const zonePrimaryQuery = (zoneId: number) =>
  queryOptions({
    queryKey: overviewKeys.primary(zoneId),
    queryFn: ({ signal }) =>
      apiFetch(zoneUrl(agentRoutes.primary.path, zoneId), { schema: agentRoutes.primary.response, signal }),
  });

function tasksUrl(zoneId: number, statuses: readonly TaskStatus[], pageSize: number): string {
  const params = new URLSearchParams({ zoneId: String(zoneId), pageSize: String(pageSize) });
  if (statuses.length > 0) params.set('status', statuses.join(','));
  return `${taskRoutes.list.path}?${params.toString()}`;
}

/** How many of the zone's tasks are in these statuses (the list's total; one item is fetched). */
export const taskCountQuery = (zoneId: number, statuses: readonly TaskStatus[]) =>
  queryOptions({
    queryKey: overviewKeys.taskCount(zoneId, statuses),
    queryFn: ({ signal }) =>
      apiFetch(tasksUrl(zoneId, statuses, 1), { schema: taskRoutes.list.response, signal }),
    select: (page) => page.total,
  });

export const failedStatuses: readonly TaskStatus[] = ['failed', 'failed-recover', 'timeout'];

/** The newest five failed tasks (the list is newest first). */
export const recentFailuresQuery = (zoneId: number) =>
  queryOptions({
    queryKey: overviewKeys.recentFailures(zoneId),
    queryFn: ({ signal }) =>
      apiFetch(tasksUrl(zoneId, failedStatuses, 5), { schema: taskRoutes.list.response, signal }),
  });
