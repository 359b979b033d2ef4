import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventEntity } from '../events/event.entity';

/** Klevr's event names, kept (ARCHITECTURE.md §7), plus AGENT_JOINED for the join. */
export const ZONE_EVENT_TYPES = {
  agentJoined: 'AGENT_JOINED',
  agentConnect: 'AGENT_CONNECT',
  primaryElected: 'PRIMARY_ELECTED',
  primaryRetire: 'PRIMARY_RETIRE',
} as const;

const SCHEMA_VERSION = 1;

interface AgentRef {
  id: number;
  zoneId: number;
  agentKey: string;
}

/**
 * Writes agent and election events to the outbox. It takes the caller's EntityManager on purpose:
 * an event is written in the same transaction as the change it reports, or not at all. Payloads
 * carry ids and keys, never a secret.
 */
@Injectable()
export class ZoneEventsWriter {
  agentJoined(
    agent: AgentRef & { hostname: string },
    via: { kind: 'api-key'; apiKeyId: number } | { kind: 'join-token'; joinTokenId: number },
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    return this.write(
      ZONE_EVENT_TYPES.agentJoined,
      agent,
      { ...this.base(agent), hostname: agent.hostname, via },
      at,
      manager,
    );
  }

  agentConnected(
    agent: AgentRef & { hostname: string; ip: string },
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    const payload = { ...this.base(agent), hostname: agent.hostname, ip: agent.ip };
    return this.write(ZONE_EVENT_TYPES.agentConnect, agent, payload, at, manager);
  }

  primaryElected(
    agent: AgentRef,
    election: { epoch: number; previousAgentKey: string | null; reason: string },
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    return this.write(
      ZONE_EVENT_TYPES.primaryElected,
      agent,
      { ...this.base(agent), ...election },
      at,
      manager,
    );
  }

  /** The previous holder lost the zone to `successorAgentKey` under `epoch`. */
  primaryRetired(
    agent: AgentRef,
    change: { epoch: number; successorAgentKey: string },
    at: Date,
    manager: EntityManager,
  ): Promise<void> {
    return this.write(ZONE_EVENT_TYPES.primaryRetire, agent, { ...this.base(agent), ...change }, at, manager);
  }

  private base(agent: AgentRef): { zoneId: number; agentKey: string } {
    return { zoneId: agent.zoneId, agentKey: agent.agentKey };
  }

  private async write(
    type: string,
    agent: AgentRef,
    payload: Record<string, unknown>,
    occurredAt: Date,
    manager: EntityManager,
  ): Promise<void> {
    await manager.save(
      EventEntity,
      manager.create(EventEntity, {
        type,
        schemaVersion: SCHEMA_VERSION,
        zoneId: agent.zoneId,
        taskId: null,
        agentId: agent.id,
        payload,
        occurredAt,
        publishedAt: null,
      }),
    );
  }
}
