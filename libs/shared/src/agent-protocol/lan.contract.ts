import { z } from 'zod';
import { agentResourcesSchema } from '../inner-api/agents.contract';

/**
 * Calls between agents of one zone on the LAN. Every request is signed with the zone's LAN secret
 * (from the handshake): headers `x-outpost-agent` (caller's agent key), `x-outpost-timestamp`
 * (unix ms) and `x-outpost-signature` = hex HMAC-SHA256 of
 * `<METHOD>\n<path>\n<timestamp>\n<sha256 hex of body>`. A request that is unsigned, badly signed
 * or older than LAN_MAX_SKEW_MS gets 401 and nothing runs. Credentials never cross the LAN: a
 * secondary handed a run fetches its assignment from the manager itself.
 */
export const LAN_MAX_SKEW_MS = 30_000;
export const LAN_HEADERS = {
  agent: 'x-outpost-agent',
  timestamp: 'x-outpost-timestamp',
  signature: 'x-outpost-signature',
} as const;

export const lanPingResponseSchema = z.object({
  agentKey: z.string(),
  role: z.enum(['primary', 'secondary']),
  epoch: z.number().int(),
  runningTasks: z.number().int(),
  resources: agentResourcesSchema.optional(),
});
export type LanPingResponse = z.infer<typeof lanPingResponseSchema>;

export const lanDispatchRequestSchema = z.object({
  runId: z.number().int(),
  taskId: z.number().int(),
  epoch: z.number().int(),
});
export type LanDispatchRequest = z.infer<typeof lanDispatchRequestSchema>;
export const lanDispatchResponseSchema = z.object({ accepted: z.boolean(), reason: z.string().optional() });

export const lanCancelRequestSchema = z.object({ runId: z.number().int() });

export const lanPaths = {
  ping: '/lan/v1/ping',
  dispatch: '/lan/v1/dispatch',
  cancel: '/lan/v1/cancel',
  /** Unauthenticated liveness for service managers; reveals nothing. */
  health: '/healthz',
} as const;
