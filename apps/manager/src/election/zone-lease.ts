import type { LeaseView } from '@outpost/shared';

/** A zone's lease as the election sees it (the row plus the holder's agent key). */
export interface ZoneLease {
  zoneId: number;
  /** Last holder; it holds the zone only while the lease is live. */
  agentId: number | null;
  agentKey: string | null;
  /** Fencing token: 0 while nobody ever held the zone, +1 on every acquisition. */
  epoch: number;
  /** null while nobody ever held the zone. */
  expiresAt: Date | null;
}

export function vacantLease(zoneId: number): ZoneLease {
  return { zoneId, agentId: null, agentKey: null, epoch: 0, expiresAt: null };
}

/**
 * Live = held and not expired. The same boundary as the SQL: acquisition needs
 * `expires_at < now`, renewal `expires_at >= now`.
 */
export function isLeaseLive(lease: ZoneLease | null | undefined, now: Date): boolean {
  return (
    !!lease &&
    lease.agentId !== null &&
    lease.expiresAt !== null &&
    lease.expiresAt.getTime() >= now.getTime()
  );
}

export function isHeldBy(lease: ZoneLease | null | undefined, agentId: number, now: Date): boolean {
  return isLeaseLive(lease, now) && lease?.agentId === agentId;
}

/**
 * The steady-state shortcut of the primary's poll: the cached lease of this agent at this epoch
 * with more than half its lifetime left needs no renewal and no database access. Safe across
 * managers: nobody can acquire a lease before its `expires_at`, and only the holder moves it.
 */
export function cachedLeaseSuffices(
  cached: ZoneLease | undefined,
  agentId: number,
  epoch: number,
  now: Date,
  ttlMs: number,
): cached is ZoneLease {
  return (
    !!cached &&
    cached.agentId === agentId &&
    cached.epoch === epoch &&
    cached.expiresAt !== null &&
    cached.expiresAt.getTime() - now.getTime() > ttlMs / 2
  );
}

/** The lease as agents see it. */
export function toLeaseView(lease: ZoneLease): LeaseView {
  return {
    epoch: lease.epoch,
    holderAgentKey: lease.agentKey,
    expiresAt: lease.epoch > 0 && lease.expiresAt ? lease.expiresAt.toISOString() : null,
  };
}
