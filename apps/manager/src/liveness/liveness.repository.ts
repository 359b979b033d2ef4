import { Injectable } from '@nestjs/common';
import { type AgentState, type EventData, schemaVersionOf } from '@outpost/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { EventEntity } from '../events/event.entity';

export type LivenessRow = Pick<
  AgentEntity,
  'id' | 'zoneId' | 'agentKey' | 'hostname' | 'state' | 'lastSeenAt'
>;

/** Klevr's event name, kept (ARCHITECTURE §7); AGENT_CONNECT is written where agents are seen. */
export const AGENT_DISCONNECT = 'AGENT_DISCONNECT' as const;

/** Agent liveness queries across all zones. */
@Injectable()
export class LivenessRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Online and suspect agents not seen since `before` (the ones silence may change), oldest first. */
  silentAgents(before: Date, limit: number): Promise<LivenessRow[]> {
    return this.dataSource
      .createQueryBuilder(AgentEntity, 'agent')
      .select([
        'agent.id',
        'agent.zoneId',
        'agent.agentKey',
        'agent.hostname',
        'agent.state',
        'agent.lastSeenAt',
      ])
      .where('agent.state IN (:...states)', { states: ['online', 'suspect'] })
      .andWhere('(agent.lastSeenAt IS NULL OR agent.lastSeenAt < :before)', { before })
      .orderBy('agent.lastSeenAt', 'ASC')
      .addOrderBy('agent.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * The guarded change: only while the agent is still in the state, and still last seen at the
   * time, that the decision was made on. A sighting in between (which writes lastSeenAt, and
   * `online`) makes it match nothing.
   */
  async changeState(manager: EntityManager, agent: LivenessRow, to: AgentState, now: Date): Promise<boolean> {
    const builder = manager
      .createQueryBuilder()
      .update(AgentEntity)
      .set({ state: to, updatedAt: now })
      .where('id = :id', { id: agent.id })
      .andWhere('state = :state', { state: agent.state });
    if (agent.lastSeenAt) builder.andWhere('last_seen_at = :lastSeenAt', { lastSeenAt: agent.lastSeenAt });
    else builder.andWhere('last_seen_at IS NULL');
    const result = await builder.execute();
    return (result.affected ?? 0) === 1;
  }

  /** AGENT_DISCONNECT in the outbox, in the transaction that marked the agent offline. */
  async agentDisconnected(
    manager: EntityManager,
    agent: LivenessRow,
    silentMs: number,
    at: Date,
  ): Promise<void> {
    const payload: EventData<typeof AGENT_DISCONNECT> = {
      zoneId: agent.zoneId,
      agentKey: agent.agentKey,
      hostname: agent.hostname,
      lastSeenAt: agent.lastSeenAt ? agent.lastSeenAt.toISOString() : null,
      silentSeconds: Math.max(0, Math.round(silentMs / 1000)),
    };
    await manager.save(
      EventEntity,
      manager.create(EventEntity, {
        type: AGENT_DISCONNECT,
        schemaVersion: schemaVersionOf(AGENT_DISCONNECT),
        zoneId: agent.zoneId,
        taskId: null,
        agentId: agent.id,
        payload: { ...payload },
        occurredAt: at,
        publishedAt: null,
      }),
    );
  }
}
