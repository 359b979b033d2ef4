import {
  type AgentState,
  agentRoutes,
  type CreateTaskRequestInput,
  electionRoutes,
  joinTokenRoutes,
  type RouteBodyInput,
  taskRoutes,
} from '@outpost/shared';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

export const AGENTS_PAGE_SIZE = 50;

/** Query keys of the agents feature, generic to specific. */
export const agentKeys = {
  all: ['agents'] as const,
  zone: (zoneId: number) => [...agentKeys.all, 'zone', zoneId] as const,
  list: (zoneId: number, page: number, state: AgentState | null) =>
    [...agentKeys.zone(zoneId), 'list', { page, state }] as const,
  /** Every agent key of the zone, for pickers (task target). */
  options: (zoneId: number) => [...agentKeys.zone(zoneId), 'options'] as const,
  elections: (zoneId: number, page: number) => [...agentKeys.zone(zoneId), 'elections', { page }] as const,
};

const inZone = (path: string, zoneId: number) => path.replace(':zoneId', String(zoneId));

/** One server-side page of the zone's agents (primary first), so large fleets stay light. */
export const agentsQuery = (zoneId: number, page: number, state: AgentState | null) =>
  queryOptions({
    queryKey: agentKeys.list(zoneId, page, state),
    queryFn: ({ signal }) => {
      const query = new URLSearchParams({ page: String(page), pageSize: String(AGENTS_PAGE_SIZE) });
      if (state) query.set('state', state);
      return apiFetch(`${inZone(agentRoutes.listOfZone.path, zoneId)}?${query}`, {
        schema: agentRoutes.listOfZone.response,
        signal,
      });
    },
    placeholderData: keepPreviousData,
    // Joins, disconnects and elections arrive as live events; heartbeats (last seen, free memory)
    // do not, so those are refreshed now and then.
    refetchInterval: 30_000,
  });

/** Up to 500 agents of the zone, enough for a target picker. */
export const agentOptionsQuery = (zoneId: number) =>
  queryOptions({
    queryKey: agentKeys.options(zoneId),
    queryFn: ({ signal }) =>
      apiFetch(`${inZone(agentRoutes.listOfZone.path, zoneId)}?pageSize=500`, {
        schema: agentRoutes.listOfZone.response,
        signal,
      }),
    select: (page) => page.items.filter((agent) => agent.state !== 'retired'),
  });

export const ELECTIONS_PAGE_SIZE = 10;

export const electionsQuery = (zoneId: number, page: number) =>
  queryOptions({
    queryKey: agentKeys.elections(zoneId, page),
    queryFn: ({ signal }) =>
      apiFetch(`${inZone(electionRoutes.list.path, zoneId)}?page=${page}&pageSize=${ELECTIONS_PAGE_SIZE}`, {
        schema: electionRoutes.list.response,
        signal,
      }),
    placeholderData: keepPreviousData,
  });

export function createJoinToken(zoneId: number, body: RouteBodyInput<typeof joinTokenRoutes.create>) {
  return apiFetch(inZone(joinTokenRoutes.create.path, zoneId), {
    method: joinTokenRoutes.create.method,
    body,
    schema: joinTokenRoutes.create.response,
  });
}

export type ShutdownMode = 'GracefulShutdownAgent' | 'ForceShutdownAgent';

/** Shutting an agent down is an atOnce task aimed at it with one reserved step. */
export function shutDownAgent(zoneId: number, agentKey: string, mode: ShutdownMode) {
  const body: CreateTaskRequestInput = {
    zoneId,
    name: `${mode === 'ForceShutdownAgent' ? 'Force shutdown' : 'Shut down'} ${agentKey}`,
    taskType: 'atOnce',
    target: { kind: 'agent', agentKey },
    steps: [{ seq: 1, commandName: mode, commandType: 'reserved', command: mode }],
  };
  return apiFetch(taskRoutes.create.path, {
    method: taskRoutes.create.method,
    body,
    schema: taskRoutes.create.response,
  });
}

/** Retiring: no more work, no new sessions, the zone lease released at once. */
export function retireAgent(zoneId: number, agentKey: string) {
  const path = inZone(agentRoutes.retire.path, zoneId).replace(':agentKey', encodeURIComponent(agentKey));
  return apiFetch(path, { method: agentRoutes.retire.method, schema: agentRoutes.retire.response });
}
