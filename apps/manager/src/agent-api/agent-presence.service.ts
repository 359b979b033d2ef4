import { Inject, Injectable } from '@nestjs/common';
import type { HandshakeRequest, HandshakeResponse, LeaseResponse, ZoneMember } from '@outpost/shared';
import type { AgentPrincipal } from '../common/auth/agent-principal';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { ElectionService } from '../election/election.service';
import { TransactionRunner } from '../database/transaction-runner';
import { isHeldBy, isLeaseLive, toLeaseView, type ZoneLease } from '../election/zone-lease';
import { ZoneEventsWriter } from '../election/zone-events.writer';
import { WorkSignal } from '../work/work-signal';
import { AgentApiRepository } from './agent-api.repository';
import { lanSecretFor, toZoneMember } from './agent-protocol.mapper';

/**
 * Handshake and lease requests: who the agent is, which role it has, who leads its zone. Also
 * the helpers the poll and report replies need (members, LAN secret, settings).
 */
@Injectable()
export class AgentPresenceService {
  constructor(
    private readonly agents: AgentApiRepository,
    private readonly election: ElectionService,
    private readonly events: ZoneEventsWriter,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly signal: WorkSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handshake(caller: AgentPrincipal, request: HandshakeRequest): Promise<HandshakeResponse> {
    const agent = await this.requireActive(caller);
    const now = this.clock.now();
    const labels = { ...agent.labels, ...request.identity.labels };
    // The agent row first, in its own transaction: the election below locks the lease row and
    // then reads agents, so holding an agent row lock across both could deadlock on MySQL.
    await this.transactions.run(async (manager) => {
      await this.agents.updateIdentity(
        manager,
        agent.id,
        { ...request.identity, labels },
        request.resources,
        now,
      );
      // Back from `suspect` is quiet: no AGENT_DISCONNECT was written, so no AGENT_CONNECT either.
      const wasAway = agent.state === 'new' || agent.state === 'offline';
      if ((await this.agents.markOnline(manager, agent.id, now)) && wasAway) {
        const ip = request.identity.ips[0] ?? '';
        await this.events.agentConnected({ ...agent, hostname: request.identity.hostname, ip }, now, manager);
      }
    });
    // After the commit: the primary's poll sees the changed member (and may hand it work) now.
    this.signal.notify(agent.zoneId);
    let lease = await this.election.currentLease(agent.zoneId);
    if (!isLeaseLive(lease, this.clock.now())) {
      lease = (await this.election.acquire(agent.zoneId, agent.id, 'lease-expired')).lease;
    }
    const members = await this.members(agent.zoneId);
    const at = this.clock.now();
    return {
      agentKey: agent.agentKey,
      zoneId: agent.zoneId,
      role: isHeldBy(lease, agent.id, at) ? 'primary' : 'secondary',
      lease: toLeaseView(lease),
      primary: this.primaryAmong(members, lease, at),
      members,
      settings: this.config.agentSettings,
      lanSecret: lanSecretFor(this.config.jwtSecret, agent.zoneId),
      serverTime: at.toISOString(),
    };
  }

  /** Granted only when the zone's lease has expired (or nobody held it); never taken from a live primary. */
  async requestLease(
    caller: AgentPrincipal,
    reason: 'primary-unreachable' | 'no-primary',
  ): Promise<LeaseResponse> {
    const agent = await this.requireActive(caller);
    const result = await this.election.acquire(
      agent.zoneId,
      agent.id,
      reason === 'primary-unreachable' ? 'primary-unreachable' : 'lease-expired',
    );
    const at = this.clock.now();
    let primary: ZoneMember | null = null;
    if (isLeaseLive(result.lease, at) && result.lease.agentId !== null) {
      const holder = await this.agents.member(result.lease.agentId);
      primary = holder ? toZoneMember(holder) : null;
    }
    return { granted: result.granted, lease: toLeaseView(result.lease), primary };
  }

  /** The zone's agents that have not been retired, as agents address them on the LAN. */
  async members(zoneId: number): Promise<ZoneMember[]> {
    return (await this.agents.members(zoneId)).map(toZoneMember);
  }

  private primaryAmong(members: ZoneMember[], lease: ZoneLease, now: Date): ZoneMember | null {
    if (!isLeaseLive(lease, now)) return null;
    return members.find((member) => member.agentKey === lease.agentKey) ?? null;
  }

  /** The calling agent's row; a deleted or retired agent is refused even with a valid token. */
  private async requireActive(caller: AgentPrincipal) {
    const agent = await this.agents.findById(caller.agentId);
    if (!agent || agent.zoneId !== caller.zoneId || agent.agentKey !== caller.agentKey) {
      throw new AppError(
        'UNAUTHENTICATED',
        'This agent no longer exists; install it again to rejoin the zone',
      );
    }
    if (agent.state === 'retired') {
      throw new AppError(
        'UNAUTHENTICATED',
        `Agent ${agent.agentKey} was retired; install it again to rejoin the zone`,
      );
    }
    return agent;
  }
}
