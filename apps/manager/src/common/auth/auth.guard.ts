import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { roleAllows, type RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { ROUTE_DEFINITION } from '../http/api-route.decorator';
import { secretKindOf } from '../crypto/secret-tokens';
import { type Principal, PRINCIPAL_RESOLVER, type PrincipalResolver, setPrincipal } from './principal';

class SessionGuard extends PassportAuthGuard('jwt') {
  override handleRequest<T>(error: unknown, principal: T): T {
    if (error instanceof AppError) throw error;
    if (error || !principal) throw new AppError('UNAUTHENTICATED', 'The access token is missing, invalid or expired; sign in again');
    return principal;
  }
}

/**
 * Global guard, deny by default: a handler without a route definition is refused; `public` routes
 * pass; every other route needs a valid session token or personal API token whose user's role
 * reaches the route's access level.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly sessionGuard = new SessionGuard();

  constructor(
    private readonly reflector: Reflector,
    @Inject(PRINCIPAL_RESOLVER) private readonly resolver: PrincipalResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const definition = this.reflector.get<RouteDefinition | undefined>(ROUTE_DEFINITION, context.getHandler());
    if (!definition) throw new AppError('FORBIDDEN', 'This route declares no access level');
    if (definition.access === 'public') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const principal = await this.authenticate(context, request);
    if (!roleAllows(principal.role, definition.access)) {
      throw new AppError('FORBIDDEN', `This needs the ${definition.access} role; you are ${principal.role}`);
    }
    setPrincipal(request, principal);
    return true;
  }

  private async authenticate(context: ExecutionContext, request: Request): Promise<Principal> {
    const header = request.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!bearer) throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <access token or API token>');
    if (secretKindOf(bearer) === 'opt') return this.resolver.fromApiToken(bearer);
    await this.sessionGuard.canActivate(context);
    const principal = (request as Request & { user?: Principal }).user;
    if (!principal) throw new AppError('UNAUTHENTICATED', 'The access token is invalid; sign in again');
    return principal;
  }
}
