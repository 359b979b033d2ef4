import { CallAbortedError, ManagerHttpError, ManagerReplyError, ManagerUnreachableError } from './errors';

/**
 * - `retryable`: try the same call again after a backoff (network, 5xx, 408, 429, 503);
 * - `permanent`: this call will not succeed as it is (4xx, a reply that breaks the contract);
 * - `fatal`: the agent cannot talk to this manager at all (protocol version mismatch) and stops;
 * - `aborted`: the agent stopped the call itself.
 */
export type ErrorClass = 'retryable' | 'permanent' | 'fatal' | 'aborted';

/** The one place that decides whether a failed manager call is retried (ARCHITECTURE §3). */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof CallAbortedError) return 'aborted';
  if (error instanceof ManagerUnreachableError) return 'retryable';
  if (error instanceof ManagerHttpError) {
    if (error.code === 'PROTOCOL_VERSION_MISMATCH') return 'fatal';
    if (error.status >= 500 || error.status === 429 || error.status === 408) return 'retryable';
    return 'permanent';
  }
  if (error instanceof ManagerReplyError) return 'permanent';
  return 'permanent';
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 250, capMs: 15_000 };

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(cap, base * 2^attempt)), so a
 * zone's agents coming back after an outage do not hit the manager in lockstep.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with CallAbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CallAbortedError('sleep'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CallAbortedError('sleep'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  random?: () => number;
  signal?: AbortSignal;
  /** Total attempts, the first included; unbounded by default. */
  maxAttempts?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `call` until it succeeds or fails in a way `classifyError` says not to retry. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (classifyError(error) !== 'retryable' || attempt + 1 >= maxAttempts) throw error;
      const delay = backoffDelay(attempt, options.policy, options.random);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
