import { Injectable } from '@nestjs/common';
import type { Principal, PrincipalResolver, SessionClaims } from '../common/auth/principal';
import { passwordGeneration } from '../common/auth/session-tokens';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { hashSecret } from '../common/crypto/secret-tokens';
import { UsersRepository } from './users.repository';

/** Token last-used times are written at most this often, so scripts do not cause a write per call. */
const TOKEN_TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves the caller on every authenticated request. The role always comes from the database, so
 * a role change or a disabled account takes effect at once, not when the token expires.
 */
@Injectable()
export class PrincipalResolverService implements PrincipalResolver {
  constructor(
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  async fromSession(claims: SessionClaims): Promise<Principal> {
    const user = await this.users.findById(Number(claims.sub));
    if (!user || user.isDisabled || passwordGeneration(user.passwordHash) !== claims.pwd) {
      throw new AppError('UNAUTHENTICATED', 'The session is no longer valid; sign in again');
    }
    return { userId: user.id, username: user.username, role: user.role, via: 'session' };
  }

  async fromApiToken(secret: string): Promise<Principal> {
    const token = await this.users.findTokenByHash(hashSecret(secret));
    const now = this.clock.now();
    const user = token?.user;
    if (
      !token ||
      !user ||
      token.revokedAt ||
      (token.expiresAt && token.expiresAt <= now) ||
      user.isDisabled
    ) {
      throw new AppError('UNAUTHENTICATED', 'The API token is unknown, revoked or expired');
    }
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > TOKEN_TOUCH_INTERVAL_MS) {
      await this.users.touchToken(token.id, now);
    }
    return { userId: user.id, username: user.username, role: user.role, via: 'api-token' };
  }
}
