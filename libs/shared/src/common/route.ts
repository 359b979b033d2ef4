import type { z } from 'zod';

/**
 * Who may call a route. Roles are ordered: an admin may do what an operator may, an operator what a
 * viewer may. `public` routes need no credentials at all (health, login, activation, installer,
 * the agent's join). `agent` routes take only an agent's session token, and no user token.
 */
export const accessLevels = ['public', 'agent', 'viewer', 'operator', 'admin'] as const;
export type Access = (typeof accessLevels)[number];
export const userRoles = ['viewer', 'operator', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

export function roleAllows(role: UserRole, access: Access): boolean {
  if (access === 'public') return true;
  if (access === 'agent') return false;
  return userRoles.indexOf(role) >= userRoles.indexOf(access);
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP route, described once: the manager binds its handler to it (path, status, access,
 * validation), the OpenAPI document is generated from it, the console types its calls with it, and
 * a test walks all of them to prove authentication.
 */
export interface RouteDefinition {
  /** Unique, used as the OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Express-style path, e.g. `/api/v1/zones/:zoneId`. */
  readonly path: string;
  /** Further paths served by the same handler, e.g. Klevr's `/inner/groups`. */
  readonly aliases?: readonly string[];
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** Success status. */
  readonly status: number;
  /** JSON body of a success answer; absent for 204 and for non-JSON answers. */
  readonly response?: z.ZodType;
  /** Media type of a non-JSON success answer (e.g. the installer's shell script). */
  readonly produces?: string;
}

export function defineRoute<const D extends RouteDefinition>(definition: D): D {
  return definition;
}

type Out<S> = S extends z.ZodType ? z.output<S> : never;
export type RouteBody<D extends RouteDefinition> = Out<D['body']>;
export type RouteBodyInput<D extends RouteDefinition> = D['body'] extends z.ZodType
  ? z.input<D['body']>
  : never;
export type RouteQuery<D extends RouteDefinition> = Out<D['query']>;
export type RouteParams<D extends RouteDefinition> = Out<D['params']>;
export type RouteResponse<D extends RouteDefinition> = Out<D['response']>;
