/** Exponential backoff with full jitter: a random delay in [base, min(max, base·2^attempt)]. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000 };

/** `attempt` counts from 0 (the first retry); `random` is injectable for tests. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(policy.baseMs + random() * Math.max(0, ceiling - policy.baseMs));
}
