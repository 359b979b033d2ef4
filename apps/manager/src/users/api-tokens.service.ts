import { Injectable } from '@nestjs/common';
import type { ApiToken, Page, PageQuery } from '@outpost/shared';
import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/clock/clock';
import { issueSecret } from '../common/crypto/secret-tokens';
import { notFound } from '../common/errors/app-error';
import { pageResult } from '../database/paging';
import { toApiToken } from './user.mapper';
import { UsersRepository } from './users.repository';

const DAY_MS = 86_400_000;

/**
 * Personal API tokens for scripts: generated here, shown once, stored as a SHA-256 hash with a
 * short prefix. A token acts as its user with the user's current role (see PrincipalResolverService).
 * Every operation is scoped to the caller: another user's token is not found.
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  async list(principal: Principal, query: PageQuery): Promise<Page<ApiToken>> {
    const [tokens, total] = await this.users.findTokenPage(principal.userId, query);
    return pageResult(tokens.map(toApiToken), total, query);
  }

  async create(
    principal: Principal,
    request: { name: string; expiresInDays?: number },
  ): Promise<{ token: ApiToken; secret: string }> {
    const now = this.clock.now();
    const { secret, prefix, hash } = issueSecret('opt');
    const token = await this.users.insertToken({
      userId: principal.userId,
      name: request.name,
      prefix,
      tokenHash: hash,
      lastUsedAt: null,
      expiresAt:
        request.expiresInDays === undefined ? null : new Date(now.getTime() + request.expiresInDays * DAY_MS),
      revokedAt: null,
      createdAt: now,
    });
    return { token: toApiToken(token), secret };
  }

  /** Idempotent: revoking a revoked token answers it unchanged. */
  async revoke(principal: Principal, tokenId: number): Promise<ApiToken> {
    const token = await this.users.findUserToken(principal.userId, tokenId);
    if (!token) throw notFound('API_TOKEN_NOT_FOUND', 'API token', tokenId);
    if (token.revokedAt === null) {
      token.revokedAt = this.clock.now();
      await this.users.saveToken(token);
    }
    return toApiToken(token);
  }
}
