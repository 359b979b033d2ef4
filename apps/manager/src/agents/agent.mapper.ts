import type { Agent, AgentRole } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { ZoneLeaseEntity } from '../election/zone-lease.entity';
import type { AgentEntity } from './agent.entity';

type Lease = Pick<ZoneLeaseEntity, 'zoneId' | 'agentId' | 'expiresAt'>;

/** An agent is primary only while it holds its zone's lease and the lease has not run out. */
export function holdsLease(
  agent: Pick<AgentEntity, 'id' | 'zoneId'>,
  lease: Lease | null | undefined,
  now: Date,
): boolean {
  return (
    !!lease &&
    lease.zoneId === agent.zoneId &&
    lease.agentId === agent.id &&
    lease.expiresAt.getTime() > now.getTime()
  );
}

export function roleOf(
  agent: Pick<AgentEntity, 'id' | 'zoneId'>,
  lease: Lease | null | undefined,
  now: Date,
): AgentRole {
  return holdsLease(agent, lease, now) ? 'primary' : 'secondary';
}

export function toAgent(entity: AgentEntity, role: AgentRole): Agent {
  const ips = entity.ips ?? [];
  return {
    id: entity.id,
    agentKey: entity.agentKey,
    zoneId: entity.zoneId,
    hostname: entity.hostname,
    ip: ips[0] ?? '',
    ips,
    port: entity.lanPort,
    version: entity.version,
    platform: entity.platform,
    labels: entity.labels ?? {},
    resources: {
      cpuCores: entity.cpuCores,
      memoryMb: entity.memoryMb,
      diskMb: entity.diskMb,
      freeMemoryMb: entity.freeMemoryMb,
      freeDiskMb: entity.freeDiskMb,
    },
    state: entity.state,
    role,
    runningTasks: entity.runningTasks,
    lastSeenAt: iso(entity.lastSeenAt),
    joinedAt: iso(entity.joinedAt),
  };
}
