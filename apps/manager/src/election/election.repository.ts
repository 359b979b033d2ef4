import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { skipTake } from '../database/paging';
import { PrimaryElectionEntity } from './primary-election.entity';
import { ZoneLeaseEntity } from './zone-lease.entity';
import type { ZoneLease } from './zone-lease';

export type ElectionCandidate = Pick<AgentEntity, 'id' | 'zoneId' | 'agentKey' | 'state'>;

/**
 * The zone lease row and the election history. Acquire, renew and release are each ONE guarded
 * UPDATE: the database decides who holds a zone, so any number of managers can share it.
 */
@Injectable()
export class ElectionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findLease(
    zoneId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ZoneLease | null> {
    const row = await manager
      .createQueryBuilder(ZoneLeaseEntity, 'lease')
      .leftJoin('lease.agent', 'agent')
      .addSelect(['agent.id', 'agent.agentKey'])
      .where('lease.zoneId = :zoneId', { zoneId })
      .getOne();
    if (!row) return null;
    return {
      zoneId: row.zoneId,
      agentId: row.agentId,
      agentKey: row.agent?.agentKey ?? null,
      epoch: row.epoch,
      expiresAt: row.epoch > 0 ? row.expiresAt : null,
    };
  }

  /** Creates the zone's vacant lease row unless it exists; concurrent callers cannot collide. */
  async ensureLeaseRow(zoneId: number, now: Date): Promise<void> {
    await this.dataSource.manager
      .createQueryBuilder()
      .insert()
      .into(ZoneLeaseEntity)
      .values({ zoneId, agentId: null, epoch: 0, expiresAt: new Date(0), acquiredAt: now, renewedAt: null })
      .orIgnore()
      .execute();
  }

  /**
   * Takes the lease iff it is vacant or expired AND still at the epoch the caller saw (so the
   * caller knows exactly whom it replaces). True iff this call took it.
   */
  async tryAcquire(
    manager: EntityManager,
    lease: { zoneId: number; agentId: number; seenEpoch: number; now: Date; expiresAt: Date },
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(ZoneLeaseEntity)
      .set({
        agentId: lease.agentId,
        epoch: () => 'epoch + 1',
        expiresAt: lease.expiresAt,
        acquiredAt: lease.now,
        renewedAt: lease.now,
      })
      .where('zone_id = :zoneId AND epoch = :seenEpoch AND (agent_id IS NULL OR expires_at < :now)', {
        zoneId: lease.zoneId,
        seenEpoch: lease.seenEpoch,
        now: lease.now,
      })
      .execute();
    return result.affected === 1;
  }

  /** Extends a live lease held by that agent at that epoch; false when it is no longer so. */
  async tryRenew(lease: {
    zoneId: number;
    agentId: number;
    epoch: number;
    now: Date;
    expiresAt: Date;
  }): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(ZoneLeaseEntity)
      .set({ expiresAt: lease.expiresAt, renewedAt: lease.now })
      .where('zone_id = :zoneId AND agent_id = :agentId AND epoch = :epoch AND expires_at >= :now', {
        zoneId: lease.zoneId,
        agentId: lease.agentId,
        epoch: lease.epoch,
        now: lease.now,
      })
      .execute();
    return result.affected === 1;
  }

  /** Ends a live lease of that agent now, so another can take the zone at once. */
  async release(zoneId: number, agentId: number, now: Date): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(ZoneLeaseEntity)
      .set({ expiresAt: new Date(now.getTime() - 1) })
      .where('zone_id = :zoneId AND agent_id = :agentId AND expires_at >= :now', { zoneId, agentId, now })
      .execute();
    return result.affected === 1;
  }

  findCandidate(agentId: number): Promise<ElectionCandidate | null> {
    return this.dataSource.manager.findOne(AgentEntity, {
      select: { id: true, zoneId: true, agentKey: true, state: true },
      where: { id: agentId },
    });
  }

  async insertElection(manager: EntityManager, election: Omit<PrimaryElectionEntity, 'id'>): Promise<void> {
    await manager.insert(PrimaryElectionEntity, election);
  }

  findElectionPage(
    zoneId: number,
    query: { page: number; pageSize: number },
  ): Promise<[PrimaryElectionEntity[], number]> {
    return this.dataSource.manager.findAndCount(PrimaryElectionEntity, {
      where: { zoneId },
      relations: { agent: true, previousAgent: true },
      order: { epoch: 'DESC', id: 'DESC' },
      ...skipTake(query),
    });
  }
}
