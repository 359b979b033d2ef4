import type { Zone } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { ZoneEntity } from './zone.entity';

export function toZone(entity: ZoneEntity): Zone {
  return {
    id: entity.id,
    name: entity.name,
    platform: entity.platform,
    labels: entity.labels ?? {},
    createdAt: iso(entity.createdAt),
    updatedAt: iso(entity.updatedAt),
  };
}
