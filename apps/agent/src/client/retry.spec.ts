import { describe, expect, it } from 'vitest';
import { CallAbortedError, ManagerHttpError, ManagerReplyError, ManagerUnreachableError } from './errors';
import { backoffDelay, classifyError, defaultBackoff, withRetry } from './retry';

const http = (status: number, code: string | null = null): ManagerHttpError =>
  new ManagerHttpError('agentPoll', status, code, 'msg');

describe('classifyError', () => {
  it.each([
    ['a network failure', new ManagerUnreachableError('agentPoll', 'ECONNREFUSED')],
    ['a 500', http(500, 'INTERNAL_ERROR')],
    ['a 502 from a proxy without a problem body', http(502)],
    ['a 503', http(503, 'SERVICE_UNAVAILABLE')],
    ['a 429', http(429, 'TOO_MANY_REQUESTS')],
  ])('retries %s', (_, error) => {
    expect(classifyError(error)).toBe('retryable');
  });

  it('stops the agent on a protocol version mismatch', () => {
    expect(classifyError(http(400, 'PROTOCOL_VERSION_MISMATCH'))).toBe('fatal');
  });

  it.each([
    ['a validation error', http(400, 'VALIDATION_FAILED')],
    ['a 401 (the client already renewed once)', http(401, 'UNAUTHENTICATED')],
    ['a 404', http(404, 'TASK_RUN_NOT_FOUND')],
    ['a stale epoch', http(409, 'STALE_EPOCH')],
    ['a reply that breaks the contract', new ManagerReplyError('agentPoll', 'lease: required')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('does not retry %s', (_, error) => {
    expect(classifyError(error)).toBe('permanent');
  });

  it('recognises calls the agent aborted itself', () => {
    expect(classifyError(new CallAbortedError('agentPoll'))).toBe('aborted');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from 250 ms with full jitter', () => {
    expect(backoffDelay(0, defaultBackoff, () => 0.999999)).toBe(249);
    expect(backoffDelay(1, defaultBackoff, () => 0.999999)).toBe(499);
    expect(backoffDelay(3, defaultBackoff, () => 0.5)).toBe(1000);
    expect(backoffDelay(5, defaultBackoff, () => 0)).toBe(0);
  });

  it('is capped at 15 s however many attempts failed', () => {
    expect(backoffDelay(6, defaultBackoff, () => 0.999999)).toBe(14_999);
    expect(backoffDelay(1_000, defaultBackoff, () => 0.999999)).toBe(14_999);
  });

  it('spreads delays over the whole window', () => {
    const delays = Array.from({ length: 500 }, () => backoffDelay(4));
    expect(Math.min(...delays)).toBeLessThan(1_000);
    expect(Math.max(...delays)).toBeGreaterThan(3_000);
    expect(Math.max(...delays)).toBeLessThan(4_000);
  });
});

describe('withRetry', () => {
  const fast = { policy: { baseMs: 1, capMs: 2 } };

  it('retries retryable failures until the call succeeds', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw http(503);
      return 'ok';
    }, fast);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up at once on a permanent failure', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls += 1;
        throw http(404);
      }, fast),
    ).rejects.toBeInstanceOf(ManagerHttpError);
    expect(calls).toBe(1);
  });

  it('stops after maxAttempts', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new ManagerUnreachableError('agentJoin', 'ECONNREFUSED');
        },
        { ...fast, maxAttempts: 4 },
      ),
    ).rejects.toBeInstanceOf(ManagerUnreachableError);
    expect(calls).toBe(4);
  });
});
