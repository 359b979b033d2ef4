import {
  type CreateTaskRequestInput,
  credentialRoutes,
  type TaskStatus,
  type TaskType,
  taskRoutes,
  webhookRoutes,
} from '@outpost/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

export const TASKS_PAGE_SIZE = 25;

export interface TaskFilters {
  statuses: TaskStatus[];
  taskType: TaskType | null;
  agentKey: string;
  name: string;
  /** ISO timestamps. */
  createdFrom: string | null;
  createdTo: string | null;
}

export const emptyTaskFilters: TaskFilters = {
  statuses: [],
  taskType: null,
  agentKey: '',
  name: '',
  createdFrom: null,
  createdTo: null,
};

/** Query keys of the tasks feature, generic to specific. */
export const taskKeys = {
  all: ['tasks'] as const,
  lists: () => [...taskKeys.all, 'list'] as const,
  list: (zoneId: number, page: number, filters: TaskFilters) =>
    [...taskKeys.lists(), zoneId, { page, filters }] as const,
  details: () => [...taskKeys.all, 'detail'] as const,
  detail: (taskId: number) => [...taskKeys.details(), taskId] as const,
  logs: (taskId: number, runId: number | null) => [...taskKeys.detail(taskId), 'logs', runId] as const,
  callbacks: (taskId: number) => [...taskKeys.detail(taskId), 'callbacks'] as const,
  commands: () => [...taskKeys.all, 'commands'] as const,
  credentialKeys: (zoneId: number) => [...taskKeys.all, 'credential-keys', zoneId] as const,
};

function listSearch(zoneId: number, page: number, filters: TaskFilters): URLSearchParams {
  const query = new URLSearchParams({
    zoneId: String(zoneId),
    page: String(page),
    pageSize: String(TASKS_PAGE_SIZE),
  });
  if (filters.statuses.length > 0) query.set('status', filters.statuses.join(','));
  if (filters.taskType) query.set('taskType', filters.taskType);
  if (filters.agentKey.trim()) query.set('agentKey', filters.agentKey.trim());
  if (filters.name.trim()) query.set('name', filters.name.trim());
  if (filters.createdFrom) query.set('createdFrom', filters.createdFrom);
  if (filters.createdTo) query.set('createdTo', filters.createdTo);
  return query;
}

/** One page of the zone's tasks, newest first. */
export const tasksQuery = (zoneId: number, page: number, filters: TaskFilters) =>
  queryOptions({
    queryKey: taskKeys.list(zoneId, page, filters),
    queryFn: ({ signal }) =>
      apiFetch(`${taskRoutes.list.path}?${listSearch(zoneId, page, filters)}`, {
        schema: taskRoutes.list.response,
        signal,
      }),
    placeholderData: keepPreviousData,
  });

export const taskQuery = (taskId: number) =>
  queryOptions({
    queryKey: taskKeys.detail(taskId),
    queryFn: ({ signal }) =>
      apiFetch(taskRoutes.get.path.replace(':taskId', String(taskId)), {
        schema: taskRoutes.get.response,
        signal,
      }),
  });

/** The task's callback-URL deliveries, newest first. */
export const callbackDeliveriesQuery = (taskId: number) =>
  queryOptions({
    queryKey: taskKeys.callbacks(taskId),
    queryFn: ({ signal }) =>
      apiFetch(
        `${webhookRoutes.taskCallbackDeliveries.path.replace(':taskId', String(taskId))}?pageSize=50`,
        { schema: webhookRoutes.taskCallbackDeliveries.response, signal },
      ),
  });

/** The reserved-command catalogue; it only changes with a manager upgrade. */
export const commandsQuery = () =>
  queryOptions({
    queryKey: taskKeys.commands(),
    queryFn: ({ signal }) =>
      apiFetch(taskRoutes.commands.path, { schema: taskRoutes.commands.response, signal }),
    staleTime: Infinity,
  });

/** The zone's credential keys, for the `{{KEY}}` hint of the parameter field. */
export const credentialKeysQuery = (zoneId: number) =>
  queryOptions({
    queryKey: taskKeys.credentialKeys(zoneId),
    queryFn: ({ signal }) =>
      apiFetch(`${credentialRoutes.list.path.replace(':zoneId', String(zoneId))}?pageSize=500`, {
        schema: credentialRoutes.list.response,
        signal,
      }),
    select: (page) => page.items.map((credential) => credential.key),
  });

/** One page of a run's log after `afterSeq`. */
export function fetchTaskLogs(taskId: number, runId: number | null, afterSeq: number, signal?: AbortSignal) {
  const query = new URLSearchParams({ afterSeq: String(afterSeq), limit: '1000' });
  if (runId !== null) query.set('runId', String(runId));
  return apiFetch(`${taskRoutes.logs.path.replace(':taskId', String(taskId))}?${query}`, {
    schema: taskRoutes.logs.response,
    ...(signal ? { signal } : {}),
  });
}

export function createTask(body: CreateTaskRequestInput) {
  return apiFetch(taskRoutes.create.path, {
    method: taskRoutes.create.method,
    body,
    schema: taskRoutes.create.response,
  });
}

export function cancelTask(taskId: number) {
  return apiFetch(taskRoutes.cancel.path.replace(':taskId', String(taskId)), {
    method: taskRoutes.cancel.method,
    schema: taskRoutes.cancel.response,
  });
}
