import { Inject, Injectable } from '@nestjs/common';
import type { ElectionReason, Page, PageQuery, PrimaryElection } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { AppError, notFound } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { pageResult } from '../database/paging';
import { ZonesService } from '../zones/zones.service';
import { toPrimaryElection } from './election.mapper';
import { ElectionRepository } from './election.repository';
import { TransactionRunner } from '../database/transaction-runner';
import { ZoneEventsWriter } from './zone-events.writer';
import { cachedLeaseSuffices, isHeldBy, isLeaseLive, vacantLease, type ZoneLease } from './zone-lease';

export interface AcquireResult {
  /** True when the agent holds the lease after the call (it took it, or already held it). */
  granted: boolean;
  /** The lease as it is after the call, whoever holds it. */
  lease: ZoneLease;
}

/**
 * Primary election with fencing (ARCHITECTURE.md §4): one lease row per zone; acquiring and
 * renewing are one guarded UPDATE each, every acquisition increments the epoch (the fencing
 * token) and records history and events in the same transaction.
 *
 * The manager also keeps, per zone, the last lease it wrote or read. `renewIfNeeded` answers from
 * it without touching the database while more than half of the lease is left: the steady-state
 * poll costs no database write (ARCHITECTURE.md §10).
 */
@Injectable()
export class ElectionService {
  private readonly cache = new Map<number, ZoneLease>();

  constructor(
    private readonly repository: ElectionRepository,
    private readonly events: ZoneEventsWriter,
    private readonly transactions: TransactionRunner,
    private readonly zones: ZonesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get ttlMs(): number {
    return this.config.agentSettings.leaseTtlMs;
  }

  /** True while someone holds the lease and it has not expired. */
  isLive(lease: ZoneLease, now: Date = this.clock.now()): boolean {
    return isLeaseLive(lease, now);
  }

  /** The zone's lease as stored now (a vacant lease at epoch 0 when nobody ever held it). */
  async currentLease(zoneId: number): Promise<ZoneLease> {
    const lease = (await this.repository.findLease(zoneId)) ?? vacantLease(zoneId);
    this.cache.set(zoneId, lease);
    return lease;
  }

  /**
   * Gives the zone to the agent iff the lease is vacant or expired; a live lease of another agent
   * is never taken. The reason is recorded as given, except for the zone's very first election,
   * always recorded as 'first-primary'. Of any number of concurrent callers, on any number of
   * managers, at most one is granted a given epoch.
   */
  async acquire(zoneId: number, agentId: number, reason: ElectionReason): Promise<AcquireResult> {
    const candidate = await this.repository.findCandidate(agentId);
    if (!candidate || candidate.zoneId !== zoneId)
      throw notFound('AGENT_NOT_FOUND', `Agent of zone ${zoneId}`, agentId);
    let now = this.clock.now();
    let before = await this.repository.findLease(zoneId);
    if (!before) {
      await this.repository.ensureLeaseRow(zoneId, now);
      before = (await this.repository.findLease(zoneId)) ?? vacantLease(zoneId);
    }
    if (isLeaseLive(before, now) || candidate.state === 'retired') {
      this.cache.set(zoneId, before);
      return { granted: isHeldBy(before, agentId, now), lease: before };
    }
    const seen = before;
    now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const recordedReason: ElectionReason = seen.epoch === 0 ? 'first-primary' : reason;
    const granted = await this.transactions.run(async (manager) => {
      const taken = await this.repository.tryAcquire(manager, {
        zoneId,
        agentId,
        seenEpoch: seen.epoch,
        now,
        expiresAt,
      });
      if (!taken) return false;
      const epoch = seen.epoch + 1;
      const holder = { id: agentId, zoneId, agentKey: candidate.agentKey };
      await this.repository.insertElection(manager, {
        zoneId,
        agentId,
        previousAgentId: seen.agentId,
        epoch,
        reason: recordedReason,
        electedAt: now,
      });
      await this.events.primaryElected(
        holder,
        { epoch, previousAgentKey: seen.agentKey, reason: recordedReason },
        now,
        manager,
      );
      if (seen.agentId !== null && seen.agentId !== agentId && seen.agentKey !== null) {
        const previous = { id: seen.agentId, zoneId, agentKey: seen.agentKey };
        await this.events.primaryRetired(
          previous,
          { epoch, successorAgentKey: candidate.agentKey },
          now,
          manager,
        );
      }
      return true;
    });
    if (!granted) return { granted: false, lease: await this.currentLease(zoneId) };
    const lease: ZoneLease = {
      zoneId,
      agentId,
      agentKey: candidate.agentKey,
      epoch: seen.epoch + 1,
      expiresAt,
    };
    this.cache.set(zoneId, lease);
    return { granted: true, lease };
  }

  /**
   * Extends the lease of its live holder at that epoch (one guarded UPDATE). Throws STALE_EPOCH
   * when the agent no longer holds the zone at that epoch or let the lease lapse: it must stop
   * acting as primary and handshake again.
   */
  async renew(zoneId: number, agentId: number, epoch: number): Promise<ZoneLease> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    const renewed = await this.repository.tryRenew({ zoneId, agentId, epoch, now, expiresAt });
    if (!renewed) {
      this.cache.delete(zoneId);
      throw new AppError(
        'STALE_EPOCH',
        `Epoch ${epoch} no longer holds zone ${zoneId}: the lease expired or another agent took it; stop acting as primary and handshake again`,
      );
    }
    const cached = this.cache.get(zoneId);
    const agentKey =
      cached && cached.agentId === agentId && cached.epoch === epoch
        ? cached.agentKey
        : ((await this.repository.findLease(zoneId))?.agentKey ?? null);
    const lease: ZoneLease = { zoneId, agentId, agentKey, epoch, expiresAt };
    this.cache.set(zoneId, lease);
    return lease;
  }

  /**
   * The primary's poll path: the cached lease when it is this agent's at this epoch with more
   * than half of it left (no database access at all), otherwise `renew` (STALE_EPOCH if lost).
   */
  async renewIfNeeded(zoneId: number, agentId: number, epoch: number): Promise<ZoneLease> {
    const cached = this.cache.get(zoneId);
    if (cachedLeaseSuffices(cached, agentId, epoch, this.clock.now(), this.ttlMs)) return cached;
    return this.renew(zoneId, agentId, epoch);
  }

  /**
   * Releases the agent's live lease at once (graceful shutdown, retirement), so a secondary can
   * take the zone without waiting for it to expire. False when the agent held no live lease.
   * Other managers may still answer that agent's polls from their cache for up to half a lease:
   * callers retiring a running agent must also stop serving it.
   */
  async retire(zoneId: number, agentId: number): Promise<boolean> {
    const released = await this.repository.release(zoneId, agentId, this.clock.now());
    this.cache.delete(zoneId);
    return released;
  }

  async history(zoneId: number, query: PageQuery): Promise<Page<PrimaryElection>> {
    await this.zones.require(zoneId);
    const [rows, total] = await this.repository.findElectionPage(zoneId, query);
    return pageResult(rows.map(toPrimaryElection), total, query);
  }
}
