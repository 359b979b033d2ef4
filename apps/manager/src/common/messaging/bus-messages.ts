import type { EventEnvelope, LiveTaskLog } from '@outpost/shared';

/**
 * What travels on the bus. The envelope (`@outpost/shared` events) is the public shape of an
 * outbox event: RabbitMQ body, live stream `data:`. The ids beside it are for the outbox,
 * routing and filtering only.
 */
export interface OutboundEvent {
  /** The outbox row id (the envelope carries it as a string). */
  id: number;
  envelope: EventEnvelope;
  taskId: number | null;
  agentId: number | null;
}

/** A stored log chunk, pushed to live viewers only (not persistent, not in the outbox). */
export type TaskLogMessage = LiveTaskLog;

/** What live viewers receive, from every manager. */
export type LiveMessage = { kind: 'event'; event: OutboundEvent } | { kind: 'task.log'; log: TaskLogMessage };

/** The `type` of a log chunk message on the bus and on the live stream. */
export const TASK_LOG_TYPE = 'task.log';

/** Routing key of an outbox event: `<eventType>.<zoneId or 'global'>`, e.g. `TASK_STATUS_CHANGED.12`. */
export function eventRoutingKey(envelope: Pick<EventEnvelope, 'type' | 'zoneId'>): string {
  return `${envelope.type}.${envelope.zoneId ?? 'global'}`;
}
