import { Injectable } from '@nestjs/common';
import type { Agent, Page, ZonePrimary } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { notFound } from '../common/errors/app-error';
import { ElectionService } from '../election/election.service';
import { iso } from '../common/http/iso';
import { pageResult } from '../database/paging';
import { WorkSignal } from '../work/work-signal';
import { ZonesService } from '../zones/zones.service';
import { holdsLease, roleOf, toAgent } from './agent.mapper';
import { type AgentFilter, AgentsRepository } from './agents.repository';

/** The read side of agents: lists with the role each agent holds now, and each zone's primary. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly zones: ZonesService,
    private readonly election: ElectionService,
    private readonly clock: Clock,
    private readonly signal: WorkSignal,
  ) {}

  /**
   * Retires an agent: no more work (delivery takes only online agents), no new sessions (the
   * session exchange refuses retired agents), and its live lease is released at once so a
   * secondary takes the zone over without waiting for it to expire.
   */
  async retire(zoneId: number, agentKey: string): Promise<Agent> {
    await this.zones.require(zoneId);
    const agent = await this.agents.findByKeyInZone(zoneId, agentKey);
    if (!agent) throw notFound('AGENT_NOT_FOUND', `Agent of zone ${zoneId}`, agentKey);
    const now = this.clock.now();
    await this.agents.markRetired(agent.id, now);
    // The primary's poll must stop counting it as a member that can take work.
    this.signal.notify(zoneId);
    await this.election.retire(zoneId, agent.id);
    const retired = await this.agents.findInZone(zoneId, agent.id);
    return toAgent(retired ?? agent, 'secondary');
  }

  async listOfZone(zoneId: number, query: Omit<AgentFilter, 'zoneId'>): Promise<Page<Agent>> {
    await this.zones.require(zoneId);
    return this.list({ ...query, zoneId });
  }

  /** Across zones; a `zoneId` filter naming no zone simply matches nothing. */
  async list(filter: AgentFilter): Promise<Page<Agent>> {
    // One `now` for the ordering in SQL and the roles derived here, so they cannot disagree.
    const now = this.clock.now();
    const [agents, total] = await this.agents.findPage(filter, now);
    const leases = await this.agents.findLeases(agents.map((agent) => agent.zoneId));
    const items = agents.map((agent) => toAgent(agent, roleOf(agent, leases.get(agent.zoneId), now)));
    return pageResult(items, total, filter);
  }

  /** The lease row as is (epoch 0 without one); `agent` only while the lease is held and unexpired. */
  async primary(zoneId: number): Promise<ZonePrimary> {
    await this.zones.require(zoneId);
    const now = this.clock.now();
    const lease = await this.agents.findLease(zoneId);
    const holder = lease?.agentId ? await this.agents.findInZone(zoneId, lease.agentId) : null;
    const agent = holder && holdsLease(holder, lease, now) ? toAgent(holder, 'primary') : null;
    return {
      zoneId,
      agent,
      epoch: lease?.epoch ?? 0,
      leaseExpiresAt: iso(lease?.expiresAt),
    };
  }
}
