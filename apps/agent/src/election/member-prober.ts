import type { MemberHealth, ZoneMember } from '@outpost/shared';
import { sleep } from '../client/retry';
import type { LanClient } from '../lan/lan-client';
import type { Logger } from '../log/logger';
import type { ZoneState } from './zone-state';

const MAX_PARALLEL_PROBES = 64;

/**
 * The primary's view of its secondaries: every `probeIntervalMs` it pings each member on the LAN
 * (timeout: one interval) and keeps the last answer. The poll carries these results, which is how
 * the manager learns that a secondary is alive without the secondary calling it.
 */
export class MemberProber {
  private readonly results = new Map<string, MemberHealth>();

  constructor(
    private readonly deps: {
      lan: LanClient;
      zone: ZoneState;
      agentKey: string;
      logger: Logger;
      now: () => number;
    },
  ) {}

  /** Probes until `signal` aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.deps.now();
      const interval = this.deps.zone.settings.probeIntervalMs;
      const members = this.deps.zone.members.filter(
        (m) => m.agentKey !== this.deps.agentKey && m.state !== 'retired',
      );
      for (let i = 0; i < members.length && !signal.aborted; i += MAX_PARALLEL_PROBES) {
        await Promise.all(
          members.slice(i, i + MAX_PARALLEL_PROBES).map((member) => this.probe(member, interval, signal)),
        );
      }
      const listed = new Set(members.map((m) => m.agentKey));
      for (const agentKey of [...this.results.keys()])
        if (!listed.has(agentKey)) this.results.delete(agentKey);
      try {
        await sleep(Math.max(0, interval - (this.deps.now() - started)), signal);
      } catch {
        return;
      }
    }
  }

  /** Members probed at least once; the poll's `members` field (at most 1000). */
  health(): MemberHealth[] {
    return [...this.results.values()].slice(0, 1000);
  }

  private async probe(member: ZoneMember, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const before = this.results.get(member.agentKey)?.reachable;
    let health: MemberHealth;
    try {
      const reply = await this.deps.lan.ping(member, timeoutMs, signal);
      // Another agent answering on that address (shared IP, reused port) does not count.
      const reachable = reply.agentKey === member.agentKey;
      health = reachable
        ? {
            agentKey: member.agentKey,
            reachable,
            runningTasks: reply.runningTasks,
            ...(reply.resources ? { resources: reply.resources } : {}),
          }
        : { agentKey: member.agentKey, reachable, runningTasks: 0 };
    } catch {
      if (signal.aborted) return;
      health = { agentKey: member.agentKey, reachable: false, runningTasks: 0 };
    }
    if (before !== health.reachable) {
      this.deps.logger.info(health.reachable ? 'member reachable' : 'member unreachable', {
        agentKey: member.agentKey,
        ip: member.ip,
        port: member.port,
      });
    }
    this.results.set(member.agentKey, health);
  }
}
