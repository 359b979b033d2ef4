import { describe, expect, it } from 'vitest';
import { defaultWebhookSettings, perSubscriptionLimit, retryDelayMs } from './webhook-settings';

describe('retryDelayMs', () => {
  const settings = { backoffBaseMs: 5_000, backoffMaxMs: 3_600_000 };

  it('doubles from the base with each failed attempt', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(settings, attempts, middle))).toEqual([
      5_000, 10_000, 20_000, 40_000,
    ]);
  });

  it('jitters by a quarter either way', () => {
    expect(retryDelayMs(settings, 2, () => 0)).toBe(7_500);
    expect(retryDelayMs(settings, 2, () => 1)).toBe(12_500);
  });

  it('never waits longer than the maximum, however many attempts failed', () => {
    expect(retryDelayMs(settings, 11, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(settings, 1_000, () => 0.5)).toBe(3_600_000);
    expect(retryDelayMs(settings, 1_000, () => 0)).toBe(2_700_000);
  });
});

describe('perSubscriptionLimit', () => {
  it('leaves half of the slots to the other receivers, and at least one to each', () => {
    expect(perSubscriptionLimit(defaultWebhookSettings)).toBe(4);
    expect(perSubscriptionLimit({ concurrency: 1 })).toBe(1);
    expect(perSubscriptionLimit({ concurrency: 3 })).toBe(1);
  });
});
