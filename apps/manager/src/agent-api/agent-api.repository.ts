import { Injectable } from '@nestjs/common';
import type { AgentIdentity, AgentResources } from '@outpost/shared';
import { DataSource, type EntityManager, In, Not } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';

export type ZoneMemberRow = Pick<AgentEntity, 'id' | 'agentKey' | 'ips' | 'lanPort' | 'state'>;

const MEMBER_COLUMNS = { id: true, agentKey: true, ips: true, lanPort: true, state: true } as const;

/** The agent rows the agent protocol reads and writes (join, session, handshake). */
@Injectable()
export class AgentApiRepository {
  constructor(private readonly dataSource: DataSource) {}

  insert(manager: EntityManager, agent: Omit<AgentEntity, 'id'>): Promise<AgentEntity> {
    return manager.save(AgentEntity, manager.create(AgentEntity, agent));
  }

  findById(id: number): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { id });
  }

  findByKey(agentKey: string): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { agentKey });
  }

  async updateIdentity(
    manager: EntityManager,
    agentId: number,
    identity: AgentIdentity & { labels: AgentEntity['labels'] },
    resources: AgentResources,
    now: Date,
  ): Promise<void> {
    await manager.update(
      AgentEntity,
      { id: agentId },
      {
        hostname: identity.hostname,
        ips: identity.ips,
        lanPort: identity.lanPort,
        version: identity.version,
        platform: identity.platform,
        labels: identity.labels,
        // The column predates nullable resources; 0 reads as "unknown".
        cpuCores: resources.cpuCores ?? 0,
        memoryMb: resources.memoryMb,
        diskMb: resources.diskMb,
        freeMemoryMb: resources.freeMemoryMb,
        freeDiskMb: resources.freeDiskMb,
        lastSeenAt: now,
        updatedAt: now,
      },
    );
  }

  /** Marks the agent online unless it already is (or was retired); true when its state changed. */
  async markOnline(manager: EntityManager, agentId: number, now: Date): Promise<boolean> {
    const result = await manager.update(
      AgentEntity,
      { id: agentId, state: Not(In(['online', 'retired'])) },
      { state: 'online', updatedAt: now },
    );
    return result.affected === 1;
  }

  /** The zone's agents that have not been retired, in join order. */
  members(zoneId: number): Promise<ZoneMemberRow[]> {
    return this.dataSource.manager.find(AgentEntity, {
      select: MEMBER_COLUMNS,
      where: { zoneId, state: Not('retired') },
      order: { id: 'ASC' },
    });
  }

  member(agentId: number): Promise<ZoneMemberRow | null> {
    return this.dataSource.manager.findOne(AgentEntity, { select: MEMBER_COLUMNS, where: { id: agentId } });
  }
}
