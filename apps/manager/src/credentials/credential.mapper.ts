import type { Credential } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { CredentialEntity } from './credential.entity';

/** The value (even sealed) never leaves the manager: only the key and the times are shown. */
export function toCredential(entity: CredentialEntity): Credential {
  return {
    id: entity.id,
    zoneId: entity.zoneId,
    key: entity.key,
    createdAt: iso(entity.createdAt),
    updatedAt: iso(entity.updatedAt),
  };
}
