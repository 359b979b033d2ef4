import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from './recent-deliveries';

describe('RecentDeliveries', () => {
  it('treats an item never sent, or sent long enough ago, as news', () => {
    const recent = new RecentDeliveries();
    expect(recent.hasNews(['run:1'], 1_000, 500)).toBe(true);
    recent.markSent(['run:1'], 1_000);
    expect(recent.hasNews(['run:1'], 1_200, 500)).toBe(false);
    expect(recent.hasNews(['run:1', 'cancel:2'], 1_200, 500)).toBe(true);
    expect(recent.hasNews(['run:1'], 1_500, 500)).toBe(true);
  });

  it('forgets the oldest entries beyond its bound', () => {
    const recent = new RecentDeliveries(2);
    recent.markSent(['a'], 1);
    recent.markSent(['b'], 2);
    recent.markSent(['c'], 3);
    expect(recent.hasNews(['a'], 4, 100)).toBe(true);
    expect(recent.hasNews(['b', 'c'], 4, 100)).toBe(false);
  });
});
