import type { ApiKey } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { ZoneApiKeyEntity } from './zone-api-key.entity';

export function toApiKey(entity: ZoneApiKeyEntity): ApiKey {
  return {
    id: entity.id,
    zoneId: entity.zoneId,
    name: entity.name,
    prefix: entity.prefix,
    isActive: entity.revokedAt === null,
    createdAt: iso(entity.createdAt),
    lastUsedAt: iso(entity.lastUsedAt),
    revokedAt: iso(entity.revokedAt),
  };
}
