import { Injectable } from '@nestjs/common';
import type { AgentState, PageQuery } from '@outpost/shared';
import { DataSource, In } from 'typeorm';
import { ZoneLeaseEntity } from '../election/zone-lease.entity';
import { AgentEntity } from './agent.entity';

export interface AgentFilter extends PageQuery {
  zoneId?: number;
  state?: AgentState;
}

/**
 * Reads of agents and of the zone leases that give them their role. Writes (join, handshake,
 * heartbeats) belong to the agent protocol and live with it.
 */
@Injectable()
export class AgentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page, ordered by zone, then the zone's primary (the agent holding an unexpired lease at
   * `now`), then hostname. A zone has at most one lease row, so the join never multiplies agents
   * and plain OFFSET/LIMIT pages correctly.
   */
  findPage(filter: AgentFilter, now: Date): Promise<[AgentEntity[], number]> {
    const query = this.dataSource.manager
      .createQueryBuilder(AgentEntity, 'agent')
      .leftJoin(
        ZoneLeaseEntity,
        'lease',
        'lease.zoneId = agent.zoneId AND lease.agentId = agent.id AND lease.expiresAt > :now',
        { now },
      );
    if (filter.zoneId !== undefined) query.andWhere('agent.zoneId = :zoneId', { zoneId: filter.zoneId });
    if (filter.state !== undefined) query.andWhere('agent.state = :state', { state: filter.state });
    return query
      .orderBy('agent.zoneId', 'ASC')
      .addOrderBy('CASE WHEN lease.zoneId IS NULL THEN 1 ELSE 0 END', 'ASC')
      .addOrderBy('agent.hostname', 'ASC')
      .addOrderBy('agent.id', 'ASC')
      .offset((filter.page - 1) * filter.pageSize)
      .limit(filter.pageSize)
      .getManyAndCount();
  }

  findInZone(zoneId: number, id: number): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { zoneId, id });
  }

  findLease(zoneId: number): Promise<ZoneLeaseEntity | null> {
    return this.dataSource.manager.findOneBy(ZoneLeaseEntity, { zoneId });
  }

  /** The lease rows of several zones in one query (a page of agents spans a few zones). */
  findByKeyInZone(zoneId: number, agentKey: string): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { zoneId, agentKey });
  }

  /** Guarded: only an agent not already retired; false when nothing changed. */
  async markRetired(agentId: number, now: Date): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(AgentEntity)
      .set({ state: 'retired', retiredAt: now, updatedAt: now })
      .where('id = :agentId', { agentId })
      .andWhere('state <> :retired', { retired: 'retired' })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async findLeases(zoneIds: number[]): Promise<Map<number, ZoneLeaseEntity>> {
    const unique = [...new Set(zoneIds)];
    if (unique.length === 0) return new Map();
    const leases = await this.dataSource.manager.findBy(ZoneLeaseEntity, { zoneId: In(unique) });
    return new Map(leases.map((lease) => [lease.zoneId, lease]));
  }
}
