import { iso } from '../common/http/iso';
import type { EventEntity } from './event.entity';

/**
 * An outbox event as consumers see it (webhook body). Shaped like the shared `EventEnvelope`; typed
 * loosely here because stored rows are not re-validated on the way out (the writers' schema test
 * keeps them in line).
 */
export interface EventEnvelopeWire {
  id: string;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  zoneId: number | null;
  data: Record<string, unknown>;
}

export function toEventEnvelope(event: EventEntity): EventEnvelopeWire {
  return {
    id: String(event.id),
    type: event.type,
    schemaVersion: event.schemaVersion,
    occurredAt: iso(event.occurredAt),
    zoneId: event.zoneId,
    data: event.payload,
  };
}
