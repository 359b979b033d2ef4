import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { roleAllows, type RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { Clock } from '../clock/clock';
import { AppError } from '../errors/app-error';
import { ROUTE_DEFINITION } from '../http/api-route.decorator';
import { secretKindOf } from '../crypto/secret-tokens';
import { type AgentPrincipal, setAgentPrincipal } from './agent-principal';
import { isAgentToken, verifyAgentSession } from './agent-tokens';
import { type Principal, PRINCIPAL_RESOLVER, type PrincipalResolver, setPrincipal } from './principal';

class SessionGuard extends PassportAuthGuard('jwt') {
  override handleRequest<T>(error: unknown, principal: T): T {
    if (error instanceof AppError) throw error;
    if (error || !principal)
      throw new AppError('UNAUTHENTICATED', 'The access token is missing, invalid or expired; sign in again');
    return principal;
  }
}

function bearerOf(request: Request): string | undefined {
  return bearerIn(request.headers.authorization);
}

function bearerIn(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/**
 * The caller of an `agent` route, from its Authorization header: the guard's check, also run by
 * the agent lane, so both refuse alike.
 */
export function authenticateAgent(
  authorization: string | undefined,
  options: { jwtSecret: string; now: Date },
): AgentPrincipal {
  const bearer = bearerIn(authorization);
  if (!bearer)
    throw new AppError(
      'UNAUTHENTICATED',
      'Send Authorization: Bearer <agent session token> (from /agent/v1/session)',
    );
  return verifyAgentSession(bearer, options);
}

/**
 * Global guard, deny by default: a handler without a route definition is refused; `public` routes
 * pass; `agent` routes take only an agent session token (verified without a database read); every
 * other route needs a valid session token or personal API token whose user's role reaches the
 * route's access level, and never accepts an agent token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly sessionGuard = new SessionGuard();

  constructor(
    private readonly reflector: Reflector,
    @Inject(PRINCIPAL_RESOLVER) private readonly resolver: PrincipalResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const definition = this.reflector.get<RouteDefinition | undefined>(
      ROUTE_DEFINITION,
      context.getHandler(),
    );
    if (!definition) throw new AppError('FORBIDDEN', 'This route declares no access level');
    if (definition.access === 'public') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (definition.access === 'agent') {
      const options = { jwtSecret: this.config.jwtSecret, now: this.clock.now() };
      setAgentPrincipal(request, authenticateAgent(request.headers.authorization, options));
      return true;
    }
    const principal = await this.authenticate(context, request);
    if (!roleAllows(principal.role, definition.access)) {
      throw new AppError('FORBIDDEN', `This needs the ${definition.access} role; you are ${principal.role}`);
    }
    setPrincipal(request, principal);
    return true;
  }

  private async authenticate(context: ExecutionContext, request: Request): Promise<Principal> {
    const bearer = bearerOf(request);
    if (!bearer)
      throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <access token or API token>');
    if (secretKindOf(bearer) === 'opt') return this.resolver.fromApiToken(bearer);
    if (isAgentToken(bearer))
      throw new AppError('UNAUTHENTICATED', 'Agent session tokens are accepted only on /agent/v1 routes');
    await this.sessionGuard.canActivate(context);
    const principal = (request as Request & { user?: Principal }).user;
    if (!principal) throw new AppError('UNAUTHENTICATED', 'The access token is invalid; sign in again');
    return principal;
  }
}
