import { agentProtocolRoutes } from '../agent-protocol/agent-protocol.contract';
import type { RouteDefinition } from '../common/route';
import { agentRoutes } from './agents.contract';
import { apiKeyRoutes } from './api-keys.contract';
import { credentialRoutes } from './credentials.contract';
import { electionRoutes } from './elections.contract';
import { healthRoutes } from './health.contract';
import { installRoutes, joinTokenRoutes } from './join-tokens.contract';
import { liveRoutes, metricsRoutes } from './live.contract';
import { taskRoutes } from './tasks.contract';
import { auditRoutes, authRoutes, userRoutes } from './users.contract';
import { webhookRoutes } from './webhooks.contract';
import { zoneRoutes } from './zones.contract';

/** The identity half of the agent protocol: join, session, handshake and lease. */
const servedAgentProtocolRoutes = {
  join: agentProtocolRoutes.join,
  session: agentProtocolRoutes.session,
  handshake: agentProtocolRoutes.handshake,
  lease: agentProtocolRoutes.lease,
} as const;

/** The work half of the agent protocol: the primary's poll, run acceptance and reports. */
const agentWorkRoutes = {
  poll: agentProtocolRoutes.poll,
  acceptRun: agentProtocolRoutes.acceptRun,
  report: agentProtocolRoutes.report,
} as const;

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
  joinTokens: joinTokenRoutes,
  elections: electionRoutes,
  webhooks: webhookRoutes,
  install: installRoutes,
  agentProtocol: servedAgentProtocolRoutes,
  agentWork: agentWorkRoutes,
  live: liveRoutes,
  metrics: metricsRoutes,
} as const;

export function allApiRoutes(): RouteDefinition[] {
  return Object.values(apiRouteGroups).flatMap((group) => Object.values(group) as RouteDefinition[]);
}
