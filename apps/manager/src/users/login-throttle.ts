import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';

/** Upper bound on tracked accounts and addresses, so a flood of random names cannot exhaust memory. */
export const LOGIN_THROTTLE_MAX_ENTRIES = 10_000;

interface Entry {
  /** Times (ms) of recent failures, oldest first; never more than the failure limit. */
  failures: number[];
  /** Attempts are refused until this time (ms); 0 when not locked. */
  lockedUntil: number;
}

/** Throttle keys of one sign-in attempt: the account (case-folded) and the client address. */
export function loginThrottleKeys(
  username: string,
  ip: string | undefined,
): { account: string; address: string } {
  return { account: `account:${username.toLowerCase()}`, address: `ip:${ip ?? 'unknown'}` };
}

/**
 * Counts failed sign-ins per key (account, client address). After `loginMaxFailures` failures within
 * `loginLockoutSeconds`, the key is locked for `loginLockoutSeconds`: every attempt is refused, even
 * with the right password, so guessing cannot continue at full speed.
 *
 * In memory on purpose (no write per attempt): with several managers behind a load balancer each
 * keeps its own counters, so an attacker gets at most `managers × loginMaxFailures` tries per window.
 */
@Injectable()
export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly maxFailures: number;
  private readonly windowMs: number;

  constructor(
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'loginMaxFailures' | 'loginLockoutSeconds'>,
    private readonly clock: Clock,
  ) {
    this.maxFailures = config.loginMaxFailures;
    this.windowMs = config.loginLockoutSeconds * 1000;
  }

  /** Seconds until every given key may try again; 0 when none is locked. */
  retryAfterSeconds(keys: readonly string[]): number {
    const now = this.clock.now().getTime();
    let waitMs = 0;
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (!entry || entry.lockedUntil <= now) continue;
      // Keep a key under attack recent, so eviction drops quiet keys first.
      this.entries.delete(key);
      this.entries.set(key, entry);
      waitMs = Math.max(waitMs, entry.lockedUntil - now);
    }
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  recordFailure(keys: readonly string[]): void {
    const now = this.clock.now().getTime();
    for (const key of keys) {
      const entry = this.entries.get(key) ?? { failures: [], lockedUntil: 0 };
      this.entries.delete(key);
      entry.failures = entry.failures.filter((time) => time > now - this.windowMs);
      entry.failures.push(now);
      if (entry.failures.length >= this.maxFailures) {
        entry.lockedUntil = now + this.windowMs;
        entry.failures = [];
      }
      this.entries.set(key, entry);
    }
    if (this.entries.size > LOGIN_THROTTLE_MAX_ENTRIES) this.evict(now);
  }

  /** A successful sign-in clears the account's count (not the address's: one valid account must not reset it). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Number of keys held; for tests of the memory bound. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Drops keys with nothing left to remember first, then keys that are not locked, then the least
   * recently touched: a flood of random names must not unlock the account it is aimed at. Shrinks
   * to 90% so a flood does not pay a full sweep on every attempt.
   */
  private evict(now: number): void {
    const target = Math.floor(LOGIN_THROTTLE_MAX_ENTRIES * 0.9);
    const passes: ((entry: Entry) => boolean)[] = [
      (entry) => entry.lockedUntil <= now && (entry.failures.at(-1) ?? 0) <= now - this.windowMs,
      (entry) => entry.lockedUntil <= now,
      () => true,
    ];
    for (const [index, droppable] of passes.entries()) {
      for (const [key, entry] of this.entries) {
        // The first pass removes everything expired; the others stop at the target size.
        if (index > 0 && this.entries.size <= target) return;
        if (droppable(entry)) this.entries.delete(key);
      }
    }
  }
}
