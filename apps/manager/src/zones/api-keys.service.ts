import { Injectable } from '@nestjs/common';
import type { ApiKey, IssuedApiKey, Page, PageQuery } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { notFound } from '../common/errors/app-error';
import type { Principal } from '../common/auth/principal';
import { hashSecret, issueSecret } from '../common/crypto/secret-tokens';
import { pageResult } from '../database/paging';
import { toApiKey } from './api-key.mapper';
import { ApiKeysRepository } from './api-keys.repository';
import type { ZoneApiKeyEntity } from './zone-api-key.entity';
import { ZonesService } from './zones.service';

/**
 * Zone API keys: generated here (never chosen by a caller), shown once, stored as a SHA-256 hash,
 * revocable, with the time of last use. Agents present a key only to join.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly zones: ZonesService,
    private readonly clock: Clock,
  ) {}

  async issue(zoneId: number, name: string | undefined, principal: Principal): Promise<IssuedApiKey> {
    await this.zones.require(zoneId);
    return this.keys.transaction((manager) => this.insertKey(zoneId, name, principal, manager));
  }

  async list(zoneId: number, query: PageQuery): Promise<Page<ApiKey>> {
    await this.zones.require(zoneId);
    const [keys, total] = await this.keys.findPage(zoneId, query);
    return pageResult(keys.map(toApiKey), total, query);
  }

  /** Issues a new key and revokes all the others, atomically. */
  async rotate(
    zoneId: number,
    name: string | undefined,
    principal: Principal,
  ): Promise<IssuedApiKey & { revokedIds: number[] }> {
    await this.zones.require(zoneId);
    return this.keys.transaction(async (manager) => {
      const revokedIds = await this.keys.activeIds(zoneId, manager);
      await this.keys.revokeAll(zoneId, this.clock.now(), manager);
      const issued = await this.insertKey(zoneId, name ?? 'rotated', principal, manager);
      return { ...issued, revokedIds };
    });
  }

  async revoke(zoneId: number, keyId: number): Promise<ApiKey> {
    const key = await this.keys.findInZone(zoneId, keyId);
    if (!key) throw notFound('API_KEY_NOT_FOUND', 'API key', keyId);
    if (key.revokedAt === null) {
      key.revokedAt = this.clock.now();
      await this.keys.save(key);
    }
    return toApiKey(key);
  }

  /** For the agent join: the zone an active key belongs to, recording its use; null if unknown. */
  async verify(secret: string): Promise<ZoneApiKeyEntity | null> {
    const key = await this.keys.findActiveByHash(hashSecret(secret));
    if (key) await this.keys.touch(key.id, this.clock.now());
    return key;
  }

  private async insertKey(
    zoneId: number,
    name: string | undefined,
    principal: Principal,
    manager: Parameters<ApiKeysRepository['insert']>[1],
  ): Promise<IssuedApiKey> {
    const { secret, prefix, hash } = issueSecret('opk');
    const key = await this.keys.insert(
      {
        zoneId,
        name: name ?? 'default',
        prefix,
        secretHash: hash,
        createdByUserId: principal.userId,
        lastUsedAt: null,
        revokedAt: null,
        createdAt: this.clock.now(),
      },
      manager,
    );
    return { apiKey: toApiKey(key), secret };
  }
}
