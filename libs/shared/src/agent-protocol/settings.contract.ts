import { z } from 'zod';

/**
 * Timing the manager sends to agents on every handshake, poll and report reply, so an operator
 * changes it in one place. Defaults give failover in at most about 8 s after a primary dies:
 * the lease lapses at most `leaseTtlMs` after the last renewal, and secondaries, having missed
 * `probeFailuresBeforeElection` probes, ask for it every `probeIntervalMs`.
 */
export const agentSettingsSchema = z
  .object({
    /** How long the manager holds a primary's poll open when there is no work. */
    pollWaitMs: z.number().int().min(0),
    /** Zone lease lifetime; the primary's polls renew it once less than half is left. */
    leaseTtlMs: z.number().int().min(1000),
    /** Secondaries probe the primary (and the primary its secondaries) this often on the LAN. */
    probeIntervalMs: z.number().int().min(100),
    /** Missed probes in a row before a secondary asks the manager for the lease. */
    probeFailuresBeforeElection: z.number().int().min(1),
    /** Agents running work report at least this often (heartbeat of their runs). */
    heartbeatIntervalMs: z.number().int().min(100),
    /** Lifetime of the short-lived agent session token. */
    sessionTtlMs: z.number().int().min(10_000),
  })
  .meta({ id: 'AgentSettings' });
export type AgentSettings = z.infer<typeof agentSettingsSchema>;

export const defaultAgentSettings: AgentSettings = {
  pollWaitMs: 2_000,
  leaseTtlMs: 6_000,
  probeIntervalMs: 1_000,
  probeFailuresBeforeElection: 2,
  heartbeatIntervalMs: 2_000,
  sessionTtlMs: 15 * 60_000,
};
