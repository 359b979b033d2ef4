import { type TaskStatus, type TaskType, taskStatuses, taskTypes } from '@outpost/shared';
import { emptyTaskFilters, type TaskFilters } from './api/tasks.queries';

function isStatus(value: string): value is TaskStatus {
  return taskStatuses.some((status) => status === value);
}
function isType(value: string | null): value is TaskType {
  return taskTypes.some((type) => type === value);
}

/** Filters live in the URL, so a filtered list survives a reload and can be shared. */
export function filtersFromSearch(search: URLSearchParams): { filters: TaskFilters; page: number } {
  const type = search.get('type');
  const page = Number(search.get('page') ?? '1');
  return {
    page: Number.isSafeInteger(page) && page > 0 ? page : 1,
    filters: {
      ...emptyTaskFilters,
      statuses: (search.get('status') ?? '').split(',').filter(isStatus),
      taskType: isType(type) ? type : null,
      agentKey: search.get('agent') ?? '',
      name: search.get('name') ?? '',
      createdFrom: search.get('from'),
      createdTo: search.get('to'),
    },
  };
}

export function searchFromFilters(filters: TaskFilters, page: number): URLSearchParams {
  const search = new URLSearchParams();
  if (filters.statuses.length > 0) search.set('status', filters.statuses.join(','));
  if (filters.taskType) search.set('type', filters.taskType);
  if (filters.agentKey) search.set('agent', filters.agentKey);
  if (filters.name) search.set('name', filters.name);
  if (filters.createdFrom) search.set('from', filters.createdFrom);
  if (filters.createdTo) search.set('to', filters.createdTo);
  if (page > 1) search.set('page', String(page));
  return search;
}

/** `datetime-local` input value (local time, no zone) ⇄ ISO instant. */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export function isoToLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
