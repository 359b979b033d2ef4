import { describe, expect, it } from 'vitest';
import type { Clock } from '../common/clock/clock';
import { LOGIN_THROTTLE_MAX_ENTRIES, LoginThrottle, loginThrottleKeys } from './login-throttle';

class FakeClock {
  time = Date.UTC(2025, 0, 1);
  now(): Date {
    return new Date(this.time);
  }
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }
}

function throttle(maxFailures = 3, lockoutSeconds = 60) {
  const clock = new FakeClock();
  const subject = new LoginThrottle(
    { loginMaxFailures: maxFailures, loginLockoutSeconds: lockoutSeconds },
    clock as Clock,
  );
  return { clock, subject };
}

describe('LoginThrottle', () => {
  it('lets attempts through below the failure limit', () => {
    const { subject } = throttle(3);
    subject.recordFailure(['account:a']);
    subject.recordFailure(['account:a']);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(0);
  });

  it('locks a key for the whole lockout once the limit is reached', () => {
    const { clock, subject } = throttle(3, 60);
    for (let i = 0; i < 3; i += 1) subject.recordFailure(['account:a']);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(60);
    clock.advance(59.5);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(1);
    clock.advance(0.5);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const { clock, subject } = throttle(3, 60);
    subject.recordFailure(['account:a']);
    subject.recordFailure(['account:a']);
    clock.advance(61);
    subject.recordFailure(['account:a']);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(0);
  });

  it('counts each key on its own and reports the longest wait of the keys asked about', () => {
    const { clock, subject } = throttle(2, 60);
    subject.recordFailure(['account:a', 'ip:1']);
    clock.advance(10);
    subject.recordFailure(['account:b', 'ip:1']);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(0);
    expect(subject.retryAfterSeconds(['account:c', 'ip:1'])).toBe(60);
    subject.recordFailure(['account:a']);
    clock.advance(30);
    expect(subject.retryAfterSeconds(['account:a', 'ip:1'])).toBe(30);
  });

  it('starts an account over after reset but keeps the address count', () => {
    const { subject } = throttle(2);
    subject.recordFailure(['account:a', 'ip:1']);
    subject.reset('account:a');
    subject.recordFailure(['account:a', 'ip:1']);
    expect(subject.retryAfterSeconds(['account:a'])).toBe(0);
    expect(subject.retryAfterSeconds(['ip:1'])).toBeGreaterThan(0);
  });

  it('builds case-folded account keys and address keys', () => {
    expect(loginThrottleKeys('Admin', '10.0.0.1')).toEqual({
      account: 'account:admin',
      address: 'ip:10.0.0.1',
    });
    expect(loginThrottleKeys('x', undefined).address).toBe('ip:unknown');
  });

  it('bounds its memory, dropping quiet keys before locked ones', () => {
    const { clock, subject } = throttle(2, 60);
    subject.recordFailure(['account:victim']);
    subject.recordFailure(['account:victim']);
    clock.advance(1);
    for (let i = 0; i < LOGIN_THROTTLE_MAX_ENTRIES; i += 1) subject.recordFailure([`account:flood-${i}`]);
    expect(subject.size).toBeLessThanOrEqual(LOGIN_THROTTLE_MAX_ENTRIES);
    expect(subject.retryAfterSeconds(['account:victim'])).toBe(59);
  });

  it('drops expired keys first when the bound is reached', () => {
    const { clock, subject } = throttle(5, 60);
    for (let i = 0; i < LOGIN_THROTTLE_MAX_ENTRIES; i += 1) subject.recordFailure([`account:old-${i}`]);
    clock.advance(61);
    subject.recordFailure(['account:new']);
    expect(subject.size).toBe(1);
  });
});
