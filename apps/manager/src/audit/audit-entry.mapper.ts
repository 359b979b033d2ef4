import type { AuditEntry } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { AuditLogEntity } from './audit-log.entity';

export function toAuditEntry(entity: AuditLogEntity): AuditEntry {
  return {
    id: entity.id,
    username: entity.username,
    action: entity.action,
    targetType: entity.targetType,
    targetId: entity.targetId,
    zoneId: entity.zoneId,
    details: entity.details,
    ip: entity.ip,
    createdAt: iso(entity.createdAt),
  };
}
