import { describe, expect, it } from 'vitest';
import { OutboxGaps } from './outbox-gaps';

describe('OutboxGaps', () => {
  it('reads every id that continues the cursor without a hole', () => {
    expect(new OutboxGaps(1000).readable(10, [11, 12, 13], 0)).toBe(3);
    expect(new OutboxGaps(1000).readable(10, [], 0)).toBe(0);
  });

  it('stops before a hole in the middle, so the hole is judged at the front next time', () => {
    expect(new OutboxGaps(1000).readable(10, [11, 12, 14, 15], 0)).toBe(2);
  });

  it('waits for a missing id at the front, then passes it over after the grace period', () => {
    const gaps = new OutboxGaps(1000);
    expect(gaps.readable(10, [12, 13], 0)).toBe(0);
    expect(gaps.readable(10, [12, 13], 999)).toBe(0);
    expect(gaps.readable(10, [12, 13], 1000)).toBe(2);
  });

  it('reads the late event when its transaction commits within the grace period', () => {
    const gaps = new OutboxGaps(1000);
    expect(gaps.readable(10, [12], 0)).toBe(0);
    expect(gaps.readable(10, [11, 12], 500)).toBe(2);
  });

  it('starts a fresh wait for each new hole', () => {
    const gaps = new OutboxGaps(1000);
    expect(gaps.readable(10, [12], 0)).toBe(0);
    expect(gaps.readable(10, [12, 14], 1000)).toBe(1);
    expect(gaps.readable(12, [14], 1500)).toBe(0);
    expect(gaps.readable(12, [14], 2499)).toBe(0);
    expect(gaps.readable(12, [14], 2500)).toBe(1);
  });
});
