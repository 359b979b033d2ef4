import type { AgentState } from '@outpost/shared';

export interface LivenessThresholds {
  suspectAfterMs: number;
  offlineAfterMs: number;
}

/**
 * The state an agent should be in by silence alone, or null when silence changes nothing. Only
 * online → suspect → offline (online may go straight to offline when it was silent long enough);
 * nothing here ever brings an agent back: only a fresh sighting does (the primary's poll, a
 * handshake), so liveness cannot flap.
 *
 * `since` is the agent's lastSeenAt, but never earlier than when this process started judging
 * (`watchingSince`): after a manager outage every row looks old, and agents must first get one
 * chance to be seen before they are declared gone.
 */
export function livenessVerdict(
  agent: { state: AgentState; lastSeenAt: Date | null },
  watchingSince: Date,
  now: Date,
  thresholds: LivenessThresholds,
): Extract<AgentState, 'suspect' | 'offline'> | null {
  if (agent.state !== 'online' && agent.state !== 'suspect') return null;
  const since = Math.max(agent.lastSeenAt?.getTime() ?? 0, watchingSince.getTime());
  const silentMs = now.getTime() - since;
  if (silentMs > thresholds.offlineAfterMs) return 'offline';
  if (silentMs > thresholds.suspectAfterMs && agent.state === 'online') return 'suspect';
  return null;
}
