import type { RouteDefinition } from '../common/route';
import { agentRoutes } from './agents.contract';
import { apiKeyRoutes } from './api-keys.contract';
import { credentialRoutes } from './credentials.contract';
import { healthRoutes } from './health.contract';
import { taskRoutes } from './tasks.contract';
import { auditRoutes, authRoutes, userRoutes } from './users.contract';
import { zoneRoutes } from './zones.contract';

/** Every route of the manager's HTTP API. The OpenAPI document and the auth route walk read this. */
export const apiRouteGroups = {
  health: healthRoutes,
  auth: authRoutes,
  users: userRoutes,
  audit: auditRoutes,
  zones: zoneRoutes,
  apiKeys: apiKeyRoutes,
  agents: agentRoutes,
  credentials: credentialRoutes,
  tasks: taskRoutes,
} as const;

export function allApiRoutes(): RouteDefinition[] {
  return Object.values(apiRouteGroups).flatMap((group) => Object.values(group) as RouteDefinition[]);
}
