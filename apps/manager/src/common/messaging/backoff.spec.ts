import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const policy = { baseMs: 100, maxMs: 5_000 };

describe('backoffDelay', () => {
  it('grows exponentially with the attempt, up to the maximum', () => {
    const top = (attempt: number) => backoffDelay(policy, attempt, () => 1);
    expect([0, 1, 2, 3].map(top)).toEqual([100, 200, 400, 800]);
    expect(top(10)).toBe(5_000);
    expect(top(1_000)).toBe(5_000);
  });

  it('spreads retries between the base and the ceiling (full jitter), never below the base', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(450);
    const samples = Array.from({ length: 200 }, () => backoffDelay(policy, 4));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...samples)).toBeLessThanOrEqual(1_600);
    expect(new Set(samples).size).toBeGreaterThan(20);
  });
});
