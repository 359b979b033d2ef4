import { type RouteBodyInput, userRoutes } from '@outpost/shared';
import { queryOptions } from '@tanstack/react-query';
import { apiFetch } from '../../../api/api-fetch';

/** Query keys of the users feature, generic to specific. */
export const userKeys = {
  all: ['users'] as const,
  lists: () => [...userKeys.all, 'list'] as const,
};

const withId = (userId: number) => userRoutes.update.path.replace(':userId', String(userId));

export const usersQuery = () =>
  queryOptions({
    queryKey: userKeys.lists(),
    queryFn: ({ signal }) =>
      apiFetch(`${userRoutes.list.path}?pageSize=500`, { schema: userRoutes.list.response, signal }),
  });

export function createUser(body: RouteBodyInput<typeof userRoutes.create>) {
  return apiFetch(userRoutes.create.path, {
    method: userRoutes.create.method,
    body,
    schema: userRoutes.create.response,
  });
}

export function updateUser(userId: number, body: RouteBodyInput<typeof userRoutes.update>) {
  return apiFetch(withId(userId), {
    method: userRoutes.update.method,
    body,
    schema: userRoutes.update.response,
  });
}

export function deleteUser(userId: number) {
  return apiFetch(withId(userId), { method: userRoutes.delete.method, schema: userRoutes.delete.response });
}
