import { describe, expect, it } from 'vitest';
import {
  cachedLeaseSuffices,
  isHeldBy,
  isLeaseLive,
  toLeaseView,
  vacantLease,
  type ZoneLease,
} from './zone-lease';

const now = new Date('2030-01-01T00:00:00.000Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
const lease = (overrides: Partial<ZoneLease> = {}): ZoneLease => ({
  zoneId: 1,
  agentId: 7,
  agentKey: 'agt_seven',
  epoch: 3,
  expiresAt: at(5_000),
  ...overrides,
});

describe('isLeaseLive', () => {
  it('is live while held and not past its expiry, to the millisecond', () => {
    expect(isLeaseLive(lease(), now)).toBe(true);
    expect(isLeaseLive(lease({ expiresAt: now }), now)).toBe(true);
    expect(isLeaseLive(lease({ expiresAt: at(-1) }), now)).toBe(false);
  });

  it('is never live when vacant', () => {
    expect(isLeaseLive(vacantLease(1), now)).toBe(false);
    expect(isLeaseLive(lease({ agentId: null }), now)).toBe(false);
    expect(isLeaseLive(null, now)).toBe(false);
  });

  it('is held only by its holder', () => {
    expect(isHeldBy(lease(), 7, now)).toBe(true);
    expect(isHeldBy(lease(), 8, now)).toBe(false);
    expect(isHeldBy(lease({ expiresAt: at(-1) }), 7, now)).toBe(false);
  });
});

describe('cachedLeaseSuffices (the poll path without database access)', () => {
  const ttl = 6_000;

  it('answers from the cache while more than half of the lease is left', () => {
    expect(cachedLeaseSuffices(lease({ expiresAt: at(3_001) }), 7, 3, now, ttl)).toBe(true);
  });

  it('goes to the database once half of the lease or less is left', () => {
    expect(cachedLeaseSuffices(lease({ expiresAt: at(3_000) }), 7, 3, now, ttl)).toBe(false);
    expect(cachedLeaseSuffices(lease({ expiresAt: at(-10) }), 7, 3, now, ttl)).toBe(false);
  });

  it('never answers for another agent, another epoch or an unknown zone', () => {
    expect(cachedLeaseSuffices(lease(), 8, 3, now, ttl)).toBe(false);
    expect(cachedLeaseSuffices(lease(), 7, 2, now, ttl)).toBe(false);
    expect(cachedLeaseSuffices(lease(), 7, 4, now, ttl)).toBe(false);
    expect(cachedLeaseSuffices(undefined, 7, 3, now, ttl)).toBe(false);
    expect(cachedLeaseSuffices(vacantLease(1), 7, 0, now, ttl)).toBe(false);
  });
});

describe('toLeaseView', () => {
  it('shows holder, epoch and expiry', () => {
    expect(toLeaseView(lease())).toEqual({
      epoch: 3,
      holderAgentKey: 'agt_seven',
      expiresAt: '2030-01-01T00:00:05.000Z',
    });
  });

  it('shows epoch 0 with no holder and no expiry while nobody ever held the zone', () => {
    expect(toLeaseView(vacantLease(4))).toEqual({ epoch: 0, holderAgentKey: null, expiresAt: null });
  });
});
