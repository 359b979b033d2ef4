import type { ApiToken, User } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { ApiTokenEntity } from './api-token.entity';
import type { UserEntity } from './user.entity';

/** Never carries the password hash. */
export function toUser(entity: UserEntity): User {
  return {
    id: entity.id,
    username: entity.username,
    role: entity.role,
    isDisabled: entity.isDisabled,
    lastLoginAt: iso(entity.lastLoginAt),
    createdAt: iso(entity.createdAt),
  };
}

/** Never carries the token hash; the secret itself is never stored. */
export function toApiToken(entity: ApiTokenEntity): ApiToken {
  return {
    id: entity.id,
    name: entity.name,
    prefix: entity.prefix,
    createdAt: iso(entity.createdAt),
    lastUsedAt: iso(entity.lastUsedAt),
    expiresAt: iso(entity.expiresAt),
    revokedAt: iso(entity.revokedAt),
  };
}
