import { Inject, Injectable } from '@nestjs/common';
import type { CreateJoinTokenRequest, IssuedJoinToken, JoinToken, Page, PageQuery } from '@outpost/shared';
import type { Principal } from '../common/auth/principal';
import { Clock } from '../common/clock/clock';
import { notFound } from '../common/errors/app-error';
import { hashSecret, issueSecret } from '../common/crypto/secret-tokens';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { pageResult } from '../database/paging';
import { installCommandFor } from '../install/install-command';
import type { JoinTokenEntity } from '../zones/join-token.entity';
import { ZonesService } from '../zones/zones.service';
import { isUsable, toJoinToken } from './join-token.mapper';
import { JoinTokensRepository } from './join-tokens.repository';

/**
 * Join tokens: generated here, shown once inside the install command, stored as a SHA-256 hash,
 * limited in time and in uses, revocable.
 */
@Injectable()
export class JoinTokensService {
  constructor(
    private readonly tokens: JoinTokensRepository,
    private readonly zones: ZonesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(
    zoneId: number,
    request: CreateJoinTokenRequest,
    principal: Principal,
  ): Promise<IssuedJoinToken> {
    await this.zones.require(zoneId);
    const now = this.clock.now();
    const { secret, prefix, hash } = issueSecret('opj');
    const token = await this.tokens.insert({
      zoneId,
      tokenHash: hash,
      prefix,
      labels: request.labels ?? {},
      maxUses: request.maxUses,
      uses: 0,
      expiresAt: new Date(now.getTime() + request.ttlMinutes * 60_000),
      revokedAt: null,
      createdByUserId: principal.userId,
      createdAt: now,
    });
    return {
      joinToken: toJoinToken(token),
      secret,
      installCommand: installCommandFor(this.config.publicUrl, secret),
    };
  }

  async list(zoneId: number, query: PageQuery): Promise<Page<JoinToken>> {
    await this.zones.require(zoneId);
    const [tokens, total] = await this.tokens.findPage(zoneId, query);
    return pageResult(tokens.map(toJoinToken), total, query);
  }

  async revoke(zoneId: number, tokenId: number): Promise<JoinToken> {
    await this.zones.require(zoneId);
    const token = await this.tokens.findInZone(zoneId, tokenId);
    if (!token) throw notFound('JOIN_TOKEN_NOT_FOUND', 'Join token', tokenId);
    if (token.revokedAt === null) await this.tokens.revoke(token.id, this.clock.now());
    return toJoinToken((await this.tokens.findInZone(zoneId, tokenId)) ?? token);
  }

  /** The token for that secret if an agent may still join with it; null otherwise (whatever the reason). */
  async findUsable(secret: string): Promise<JoinTokenEntity | null> {
    const token = await this.tokens.findByHash(hashSecret(secret));
    return token && isUsable(token, this.clock.now()) ? token : null;
  }
}
