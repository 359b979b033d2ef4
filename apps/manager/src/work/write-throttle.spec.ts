import { describe, expect, it } from 'vitest';
import { WriteThrottle } from './write-throttle';

const at = (ms: number) => new Date(1_000_000 + ms);

describe('WriteThrottle', () => {
  it('is due for a key never written, then not again within the interval', () => {
    const throttle = new WriteThrottle<number>(10_000);
    expect(throttle.isDue(1, at(0))).toBe(true);
    throttle.record(1, at(0));
    expect(throttle.isDue(1, at(9_999))).toBe(false);
    expect(throttle.isDue(1, at(10_000))).toBe(true);
    expect(throttle.isDue(2, at(1))).toBe(true);
  });

  it('is due again after forget', () => {
    const throttle = new WriteThrottle<string>(5_000);
    throttle.record('a', at(0));
    throttle.forget('a');
    expect(throttle.isDue('a', at(1))).toBe(true);
  });

  it('drops stale entries once it holds too many', () => {
    const throttle = new WriteThrottle<number>(1_000, 3);
    throttle.record(1, at(0));
    throttle.record(2, at(0));
    throttle.record(3, at(2_000));
    throttle.record(4, at(2_000));
    expect(throttle.size).toBe(2);
    expect(throttle.isDue(3, at(2_500))).toBe(false);
  });
});
