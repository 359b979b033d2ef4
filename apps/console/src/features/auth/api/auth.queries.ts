import { authRoutes, type RouteBodyInput, type Session } from '@outpost/shared';
import { type QueryClient, queryOptions } from '@tanstack/react-query';
import { storeAccessToken } from '../../../api/access-token';
import { apiFetch } from '../../../api/api-fetch';

/** Query keys of the auth feature, generic to specific. */
export const authKeys = {
  all: ['auth'] as const,
  status: () => [...authKeys.all, 'status'] as const,
  me: () => [...authKeys.all, 'me'] as const,
  tokens: () => [...authKeys.all, 'tokens'] as const,
};

/** Whether the first admin exists yet (public). */
export const activationStatusQuery = () =>
  queryOptions({
    queryKey: authKeys.status(),
    queryFn: ({ signal }) => apiFetch(authRoutes.status.path, { schema: authRoutes.status.response, signal }),
    staleTime: Infinity,
  });

/** The signed-in user, as the manager sees them now (role changes show up on the next fetch). */
export const currentUserQuery = () =>
  queryOptions({
    queryKey: authKeys.me(),
    queryFn: ({ signal }) => apiFetch(authRoutes.me.path, { schema: authRoutes.me.response, signal }),
    staleTime: 60_000,
  });

export const apiTokensQuery = () =>
  queryOptions({
    queryKey: authKeys.tokens(),
    queryFn: ({ signal }) =>
      apiFetch(`${authRoutes.listTokens.path}?pageSize=500`, {
        schema: authRoutes.listTokens.response,
        signal,
      }),
  });

export function login(body: RouteBodyInput<typeof authRoutes.login>): Promise<Session> {
  return apiFetch(authRoutes.login.path, {
    method: authRoutes.login.method,
    body,
    schema: authRoutes.login.response,
  });
}

export function activate(body: RouteBodyInput<typeof authRoutes.activate>): Promise<Session> {
  return apiFetch(authRoutes.activate.path, {
    method: authRoutes.activate.method,
    body,
    schema: authRoutes.activate.response,
  });
}

export function changePassword(body: RouteBodyInput<typeof authRoutes.changePassword>): Promise<Session> {
  return apiFetch(authRoutes.changePassword.path, {
    method: authRoutes.changePassword.method,
    body,
    schema: authRoutes.changePassword.response,
  });
}

export function createApiToken(body: RouteBodyInput<typeof authRoutes.createToken>) {
  return apiFetch(authRoutes.createToken.path, {
    method: authRoutes.createToken.method,
    body,
    schema: authRoutes.createToken.response,
  });
}

export function revokeApiToken(tokenId: number) {
  return apiFetch(authRoutes.revokeToken.path.replace(':tokenId', String(tokenId)), {
    method: authRoutes.revokeToken.method,
    schema: authRoutes.revokeToken.response,
  });
}

/** Keeps a fresh session: the token for the next calls, the user for the pages. */
export function startSession(queryClient: QueryClient, session: Session): void {
  storeAccessToken(session.accessToken);
  queryClient.setQueryData(authKeys.status(), { activated: true });
  queryClient.setQueryData(authKeys.me(), session.user);
}
