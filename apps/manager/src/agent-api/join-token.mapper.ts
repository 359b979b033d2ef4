import type { JoinToken } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { JoinTokenEntity } from '../zones/join-token.entity';

export function toJoinToken(entity: JoinTokenEntity): JoinToken {
  return {
    id: entity.id,
    zoneId: entity.zoneId,
    prefix: entity.prefix,
    labels: entity.labels ?? {},
    maxUses: entity.maxUses,
    uses: entity.uses,
    expiresAt: iso(entity.expiresAt),
    revokedAt: iso(entity.revokedAt),
    createdAt: iso(entity.createdAt),
  };
}

/** A token an agent may still join with: not revoked, not expired, not used up. */
export function isUsable(
  token: Pick<JoinTokenEntity, 'revokedAt' | 'expiresAt' | 'uses' | 'maxUses'>,
  now: Date,
): boolean {
  return token.revokedAt === null && token.expiresAt.getTime() > now.getTime() && token.uses < token.maxUses;
}
