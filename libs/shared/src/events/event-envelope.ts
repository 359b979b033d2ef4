import { z } from 'zod';
import { timestampSchema } from '../common/primitives';
import {
  agentConnectDataSchema,
  agentDisconnectDataSchema,
  agentJoinedDataSchema,
  primaryElectedDataSchema,
  primaryRetireDataSchema,
} from './agent-events';
import {
  taskCallbackDataSchema,
  taskCreatedDataSchema,
  taskIterationSkippedDataSchema,
  taskRunStatusChangedDataSchema,
  taskStatusChangedDataSchema,
} from './task-events';

/**
 * Every event type with the schema of its data and the version of that schema. A change to a
 * payload that a consumer could notice (a field removed, renamed or retyped) bumps the version;
 * the writers stamp `schemaVersion` from here.
 */
export const eventCatalogue = {
  AGENT_JOINED: { version: 1, data: agentJoinedDataSchema },
  AGENT_CONNECT: { version: 1, data: agentConnectDataSchema },
  AGENT_DISCONNECT: { version: 1, data: agentDisconnectDataSchema },
  PRIMARY_ELECTED: { version: 1, data: primaryElectedDataSchema },
  PRIMARY_RETIRE: { version: 1, data: primaryRetireDataSchema },
  TASK_CREATED: { version: 1, data: taskCreatedDataSchema },
  TASK_STATUS_CHANGED: { version: 1, data: taskStatusChangedDataSchema },
  TASK_RUN_STATUS_CHANGED: { version: 1, data: taskRunStatusChangedDataSchema },
  TASK_CALLBACK: { version: 1, data: taskCallbackDataSchema },
  TASK_ITERATION_SKIPPED: { version: 1, data: taskIterationSkippedDataSchema },
} as const;

export type EventType = keyof typeof eventCatalogue;
export const eventTypes = Object.keys(eventCatalogue) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventCatalogue)[T]['data']>;

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(eventCatalogue, value);
}

export function schemaVersionOf(type: EventType): number {
  return eventCatalogue[type].version;
}

function envelopeOf<const T extends EventType>(type: T) {
  const { version, data } = eventCatalogue[type];
  return z.object({
    /** The outbox id, as a string: stable across redeliveries, so consumers deduplicate on it. */
    id: z.string().regex(/^[1-9][0-9]*$/),
    type: z.literal(type),
    schemaVersion: z.literal(version),
    occurredAt: timestampSchema,
    zoneId: z.number().int().nullable(),
    data: data as (typeof eventCatalogue)[T]['data'],
  });
}

/**
 * The public shape of an event (webhook body, RabbitMQ message, live stream), one member per type,
 * told apart by `type`.
 */
export const eventEnvelopeSchema = z
  .discriminatedUnion('type', [
    envelopeOf('AGENT_JOINED'),
    envelopeOf('AGENT_CONNECT'),
    envelopeOf('AGENT_DISCONNECT'),
    envelopeOf('PRIMARY_ELECTED'),
    envelopeOf('PRIMARY_RETIRE'),
    envelopeOf('TASK_CREATED'),
    envelopeOf('TASK_STATUS_CHANGED'),
    envelopeOf('TASK_RUN_STATUS_CHANGED'),
    envelopeOf('TASK_CALLBACK'),
    envelopeOf('TASK_ITERATION_SKIPPED'),
  ])
  .meta({ id: 'EventEnvelope' });
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;
