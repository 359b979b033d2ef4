import { Injectable } from '@nestjs/common';
import type { AgentResources } from '@outpost/shared';
import type { AgentEntity } from '../agents/agent.entity';
import { TransactionRunner } from '../database/transaction-runner';
import { ZoneEventsWriter } from '../election/zone-events.writer';
import { SEEN_WRITE_INTERVAL_MS, WriteThrottle } from './write-throttle';
import { WorkRepository } from './work.repository';

// Defined next to the throttle (a plain module), so the config rules can check thresholds against it.
export { SEEN_WRITE_INTERVAL_MS } from './write-throttle';

/** What the primary's poll says about one agent of its zone (itself or a reachable secondary). */
export interface Sighting {
  agent: AgentEntity;
  runningTasks: number;
  resources?: AgentResources | undefined;
}

/**
 * Records that agents were seen (by the primary's poll, or calling in with a report) without a
 * database write per request: a row is written when the agent's state changes (it comes online)
 * or when this manager last wrote it more than SEEN_WRITE_INTERVAL_MS ago. In between, lastSeenAt
 * lags by at most that interval, which the liveness worker's timeouts allow for.
 */
@Injectable()
export class AgentSightings {
  private readonly written = new WriteThrottle<number>(SEEN_WRITE_INTERVAL_MS);

  constructor(
    private readonly work: WorkRepository,
    private readonly events: ZoneEventsWriter,
    private readonly transactions: TransactionRunner,
  ) {}

  /** The agents are online, seen now; their rows (in the given objects too) reflect it afterwards. */
  async record(sightings: readonly Sighting[], now: Date): Promise<void> {
    const due = sightings.filter(
      ({ agent }) =>
        agent.state !== 'retired' && (agent.state !== 'online' || this.written.isDue(agent.id, now)),
    );
    if (due.length === 0) return;
    await this.transactions.run(async (manager) => {
      for (const { agent, runningTasks, resources } of due) {
        const seen = {
          lastSeenAt: now,
          runningTasks,
          ...(resources ? resourceColumns(resources) : {}),
          updatedAt: now,
        };
        // The usual case, an agent still online, is one guarded statement. The state held here may
        // be a few seconds old (the zone's kept view), so the guard, not it, decides.
        if (agent.state === 'online' && (await this.work.updateOnlineAgent(manager, agent.id, seen)))
          continue;
        await this.work.updateAgent(manager, agent.id, seen);
        // A suspect agent never disconnected (no AGENT_DISCONNECT was written): it comes back
        // quietly, so a short silence costs no event pair. New or offline agents connect. One held
        // as online that the guard above missed went suspect or offline meanwhile: ask the row.
        const maybeSuspect = agent.state === 'suspect' || agent.state === 'online';
        const revived = maybeSuspect && (await this.work.reviveSuspect(manager, agent.id, now));
        if (!revived && (await this.work.markOnline(manager, agent.id, now))) {
          const ip = agent.ips[0] ?? '';
          await this.events.agentConnected({ ...agent, ip }, now, manager);
        }
      }
    });
    for (const { agent } of due) {
      this.written.record(agent.id, now);
      agent.state = 'online';
      agent.lastSeenAt = now;
    }
  }

  /** An agent called in (a report): lastSeenAt, under the same at-most-one-write-per-interval rule. */
  async touch(agentId: number, now: Date): Promise<void> {
    if (!this.written.isDue(agentId, now)) return;
    await this.transactions.run((manager) => this.work.touchAgent(manager, agentId, now));
    this.written.record(agentId, now);
  }
}

function resourceColumns(resources: AgentResources): Partial<AgentEntity> {
  return {
    // The column predates nullable resources; 0 reads as "unknown".
    cpuCores: resources.cpuCores ?? 0,
    memoryMb: resources.memoryMb,
    diskMb: resources.diskMb,
    freeMemoryMb: resources.freeMemoryMb,
    freeDiskMb: resources.freeDiskMb,
  };
}
