import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { TransactionRunner } from '../database/transaction-runner';
import { WorkSignal } from '../work/work-signal';
import { livenessVerdict } from './liveness-rules';
import { type LivenessRow, LivenessRepository } from './liveness.repository';

/** Agents looked at per pass; a full batch with changes asks for another pass at once. */
export const LIVENESS_BATCH = 500;

export interface LivenessSummary {
  suspect: number;
  offline: number;
  more: boolean;
}

/**
 * Agent liveness (ARCHITECTURE §2): online → suspect → offline by silence, each change one guarded
 * UPDATE (on the state and lastSeenAt as read), AGENT_DISCONNECT in the same transaction when an
 * agent goes offline. Back to online only through a fresh sighting (the primary's poll, a
 * handshake), which also writes AGENT_CONNECT — this service never does. Offline agents get no
 * work (delivery only picks online agents the primary reaches) and their runs are reaped.
 */
@Injectable()
export class AgentLiveness {
  private readonly logger = new Logger('Liveness');
  /** When this process started judging, per holding of the lock (see livenessVerdict). */
  private watching: { epoch: number; since: Date; lastPassWallMs: number } | null = null;

  constructor(
    private readonly repository: LivenessRepository,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly signal: WorkSignal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(epoch: number, abort?: AbortSignal): Promise<LivenessSummary> {
    const now = this.clock.now();
    const since = this.watchingSince(epoch, now);
    const thresholds = this.config.liveness;
    const rows = await this.repository.silentAgents(
      new Date(now.getTime() - thresholds.suspectAfterMs),
      LIVENESS_BATCH,
    );
    const summary: LivenessSummary = { suspect: 0, offline: 0, more: false };
    for (const agent of rows) {
      if (abort?.aborted) break;
      const to = livenessVerdict(agent, since, now, thresholds);
      if (!to) continue;
      try {
        if (await this.change(agent, to, now)) summary[to] += 1;
      } catch (error) {
        this.logger.error(`Agent ${agent.agentKey}: could not mark ${to}: ${messageOf(error)}`);
      }
    }
    this.watching = { epoch, since, lastPassWallMs: Date.now() };
    summary.more = rows.length >= LIVENESS_BATCH && summary.suspect + summary.offline > 0;
    return summary;
  }

  /** False when the agent was seen (or changed) since it was read. */
  private async change(agent: LivenessRow, to: 'suspect' | 'offline', now: Date): Promise<boolean> {
    const changed = await this.transactions.run(async (manager) => {
      if (!(await this.repository.changeState(manager, agent, to, now))) return false;
      if (to === 'offline') {
        const silentMs = now.getTime() - (agent.lastSeenAt?.getTime() ?? now.getTime());
        await this.repository.agentDisconnected(manager, agent, silentMs, now);
      }
      return true;
    });
    // After the commit: the zone's poll re-reads its agents, so a sighting revives this one at once.
    if (changed) this.signal.notify(agent.zoneId);
    return changed;
  }

  /**
   * A new holding of the lock (another process judged until now, or this one just started), or
   * a pause of passes (the database was unreachable, so no sighting could be written either):
   * agents are judged from now on, not from rows that could not be refreshed meanwhile.
   */
  private watchingSince(epoch: number, now: Date): Date {
    const last = this.watching;
    const pausedMs = 3 * LIVENESS_INTERVAL_MS + this.config.workers.lockTtlMs;
    if (!last || last.epoch !== epoch || Date.now() - last.lastPassWallMs > pausedMs) return now;
    return last.since;
  }
}

/** Pause between two liveness passes. */
export const LIVENESS_INTERVAL_MS = 5_000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
