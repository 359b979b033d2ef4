import { authRoutes, healthRoutes } from '@outpost/shared';
import { queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

/** Query keys of the health feature, generic to specific: invalidate `all` to re-check everything. */
export const healthKeys = {
  all: ['health'] as const,
  liveness: () => [...healthKeys.all, 'liveness'] as const,
  activation: () => [...healthKeys.all, 'activation'] as const,
};

/** The manager process answers (`GET /healthz`); re-checked while the page is open. */
export const livenessQuery = () =>
  queryOptions({
    queryKey: healthKeys.liveness(),
    queryFn: ({ signal }) => apiFetch(healthRoutes.live.path, { schema: healthRoutes.live.response, signal }),
    refetchInterval: 15_000,
  });

/** Whether the first admin exists yet (`GET /api/v1/auth/status`, public). */
export const activationStatusQuery = () =>
  queryOptions({
    queryKey: healthKeys.activation(),
    queryFn: ({ signal }) => apiFetch(authRoutes.status.path, { schema: authRoutes.status.response, signal }),
  });
