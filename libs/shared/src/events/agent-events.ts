import { z } from 'zod';
import { timestampSchema } from '../common/primitives';

/*
 * Data of the agent and election events. Klevr's names are kept (AGENT_CONNECT, AGENT_DISCONNECT,
 * PRIMARY_ELECTED, PRIMARY_RETIRE); AGENT_JOINED is Outpost's own. Strict objects: a field a
 * writer adds without a schema change (and a version bump) fails the writers' schema test.
 * Payloads carry ids and keys only: never a credential, token or secret.
 */

const agentRef = {
  zoneId: z.number().int(),
  agentKey: z.string(),
};

export const agentJoinedDataSchema = z
  .strictObject({
    ...agentRef,
    hostname: z.string(),
    /** How the agent proved it may join: which API key or join token (by id, never the secret). */
    via: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('api-key'), apiKeyId: z.number().int() }),
      z.strictObject({ kind: z.literal('join-token'), joinTokenId: z.number().int() }),
    ]),
  })
  .meta({ id: 'AgentJoinedData' });
export type AgentJoinedData = z.infer<typeof agentJoinedDataSchema>;

/** The agent came online (handshake, or first sighting after it was not online). */
export const agentConnectDataSchema = z
  .strictObject({ ...agentRef, hostname: z.string(), ip: z.string() })
  .meta({ id: 'AgentConnectData' });
export type AgentConnectData = z.infer<typeof agentConnectDataSchema>;

/** The agent went offline (liveness): when it was last seen, and how long it had been silent. */
export const agentDisconnectDataSchema = z
  .strictObject({
    ...agentRef,
    hostname: z.string(),
    lastSeenAt: timestampSchema.nullable(),
    silentSeconds: z.number().int().min(0),
  })
  .meta({ id: 'AgentDisconnectData' });
export type AgentDisconnectData = z.infer<typeof agentDisconnectDataSchema>;

/** The agent took the zone lease at `epoch` (the fencing token). */
export const primaryElectedDataSchema = z
  .strictObject({
    ...agentRef,
    epoch: z.number().int(),
    previousAgentKey: z.string().nullable(),
    reason: z.string(),
  })
  .meta({ id: 'PrimaryElectedData' });
export type PrimaryElectedData = z.infer<typeof primaryElectedDataSchema>;

/** The agent lost the zone to `successorAgentKey`, which holds it under `epoch`. */
export const primaryRetireDataSchema = z
  .strictObject({ ...agentRef, epoch: z.number().int(), successorAgentKey: z.string() })
  .meta({ id: 'PrimaryRetireData' });
export type PrimaryRetireData = z.infer<typeof primaryRetireDataSchema>;
