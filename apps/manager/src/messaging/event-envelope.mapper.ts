import type { EventEnvelope } from '@outpost/shared';
import type { OutboundEvent } from '../common/messaging/bus-messages';
import { iso } from '../common/http/iso';
import type { EventEntity } from '../events/event.entity';

/**
 * An outbox row as it leaves the manager: the shared envelope (id as a string), plus the ids used
 * for routing and filters. The writers build each payload from its type's schema, so the row is
 * trusted here rather than parsed again on every publication.
 */
export function toOutboundEvent(row: EventEntity): OutboundEvent {
  const envelope = {
    id: String(row.id),
    type: row.type,
    schemaVersion: row.schemaVersion,
    occurredAt: iso(row.occurredAt),
    zoneId: row.zoneId,
    data: row.payload,
  } as EventEnvelope;
  return { id: row.id, envelope, taskId: row.taskId, agentId: row.agentId };
}
