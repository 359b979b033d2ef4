import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who is calling an `agent` route: taken from the verified session token alone (no database read). */
export interface AgentPrincipal {
  agentId: number;
  zoneId: number;
  agentKey: string;
}

const AGENT_PRINCIPAL = Symbol('agentPrincipal');
type RequestWithAgent = Request & { [AGENT_PRINCIPAL]?: AgentPrincipal };

export function setAgentPrincipal(request: Request, agent: AgentPrincipal): void {
  (request as RequestWithAgent)[AGENT_PRINCIPAL] = agent;
}

export function agentPrincipalOf(request: Request): AgentPrincipal | undefined {
  return (request as RequestWithAgent)[AGENT_PRINCIPAL];
}

/** The authenticated agent; only on routes whose access is `agent`. */
export const CurrentAgent = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const agent = agentPrincipalOf(context.switchToHttp().getRequest<Request>());
  if (!agent) throw new Error('CurrentAgent used on a route whose access is not agent');
  return agent;
});
