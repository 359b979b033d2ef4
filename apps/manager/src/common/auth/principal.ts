import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserRole } from '@outpost/shared';
import type { Request } from 'express';

/** Who is calling: a signed-in user (JWT) or a script using that user's personal API token. */
export interface Principal {
  userId: number;
  username: string;
  role: UserRole;
  via: 'session' | 'api-token';
}

/** Claims of the console's access token. */
export interface SessionClaims {
  sub: string;
  role: UserRole;
  /** Password generation: changing the password invalidates older tokens. */
  pwd: string;
}

/**
 * Port the users feature implements, so the guard (cross-cutting) does not depend on it. Both
 * methods throw AppError('UNAUTHENTICATED') for unknown, revoked, expired or disabled identities.
 */
export interface PrincipalResolver {
  fromSession(claims: SessionClaims): Promise<Principal>;
  fromApiToken(secret: string): Promise<Principal>;
}
export const PRINCIPAL_RESOLVER = Symbol('PRINCIPAL_RESOLVER');

const PRINCIPAL = Symbol('principal');
type RequestWithPrincipal = Request & { [PRINCIPAL]?: Principal };

export function setPrincipal(request: Request, principal: Principal): void {
  (request as RequestWithPrincipal)[PRINCIPAL] = principal;
}

export function principalOf(request: Request): Principal | undefined {
  return (request as RequestWithPrincipal)[PRINCIPAL];
}

/** The authenticated caller; only on routes whose access is not `public`. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const principal = principalOf(context.switchToHttp().getRequest<Request>());
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
