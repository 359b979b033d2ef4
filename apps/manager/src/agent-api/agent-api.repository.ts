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

  /** The agent a join with this join id made in this zone, if any. */
  findByJoinId(zoneId: number, joinId: string): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { zoneId, joinId });
  }

  /**
   * Gives the agent a new credential for a repeated join: ONE guarded UPDATE, so it happens only
   * while the join id is still open (no session yet, not retired) and only for an attempt that
   * arrived after the one whose credential is current. False when any of that no longer holds.
   */
  async replaceJoinCredential(
    agentId: number,
    joinId: string,
    credentialHash: string,
    attemptAt: Date,
  ): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(AgentEntity)
      .set({ credentialHash, joinAttemptAt: attemptAt, updatedAt: attemptAt })
      .where('id = :agentId AND join_id = :joinId', { agentId, joinId })
      .andWhere("first_session_at IS NULL AND state <> 'retired'")
      .andWhere('(join_attempt_at IS NULL OR join_attempt_at < :attemptAt)', { attemptAt })
      .execute();
    return result.affected === 1;
  }

  /**
   * Records the agent's first session, guarded by the credential it presented: false when a
   * repeated join replaced that credential meanwhile (or another session recorded it first).
   */
  async markFirstSession(agentId: number, credentialHash: string, now: Date): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(AgentEntity)
      .set({ firstSessionAt: now })
      .where('id = :agentId AND credential_hash = :credentialHash AND first_session_at IS NULL', {
        agentId,
        credentialHash,
      })
      .execute();
    return result.affected === 1;
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
