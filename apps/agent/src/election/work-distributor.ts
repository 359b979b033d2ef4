import type { Assignment, PollResponse } from '@outpost/shared';
import type { LanClient } from '../lan/lan-client';
import { errorMessage, type Logger } from '../log/logger';
import type { RunIntake } from '../work/run-intake';
import type { RunnerPort } from '../work/runner-port';
import type { ZoneState } from './zone-state';

const DISPATCH_TIMEOUT_MS = 20_000;
/** After a secondary accepted a run, a poll naming it again (not yet acknowledged) is not re-sent. */
const ACCEPTED_QUIET_MS = 30_000;
const CANCEL_QUIET_MS = 10_000;

/**
 * The primary's handling of a poll reply: its own runs are accepted at the manager and started
 * (RunIntake), runs of other agents are handed over with a signed LAN dispatch (run id only), cancels go to the runner or are
 * forwarded to the agent that runs them.
 */
export class WorkDistributor {
  /** runId -> earliest time the run may be dispatched again. */
  private readonly nextDispatch = new Map<number, number>();
  private readonly forwardedCancels = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      agentKey: string;
      zone: ZoneState;
      lan: LanClient;
      intake: RunIntake;
      runner: RunnerPort;
      logger: Logger;
      now: () => number;
    },
  ) {}

  /** Returns true when the reply held something not seen before (the poll then goes on at once). */
  handle(reply: PollResponse): boolean {
    this.prune();
    let fresh = false;
    for (const assignment of reply.assignments) {
      if (assignment.agentKey === this.deps.agentKey) {
        const refusal = this.deps.intake.refusal(assignment.runId);
        if (refusal) {
          this.deps.logger.debug('did not start a run', { runId: assignment.runId, reason: refusal });
        } else {
          fresh = true;
          this.track(this.startOwn(assignment));
        }
      } else if (this.deps.now() >= (this.nextDispatch.get(assignment.runId) ?? 0)) {
        fresh = true;
        this.track(this.dispatch(assignment));
      }
    }
    for (const cancel of reply.cancels) {
      const key = `${cancel.agentKey}:${cancel.runId}`;
      if (this.deps.now() < (this.forwardedCancels.get(key) ?? 0)) continue;
      this.forwardedCancels.set(key, this.deps.now() + CANCEL_QUIET_MS);
      fresh = true;
      if (cancel.agentKey === this.deps.agentKey) {
        const canceled = this.deps.runner.cancel(cancel.runId, 'canceled');
        this.deps.logger.info('cancel for a run', { runId: cancel.runId, running: canceled });
      } else {
        this.track(this.forwardCancel(cancel.runId, cancel.agentKey));
      }
    }
    return fresh;
  }

  /** Waits for dispatches and forwarded cancels still in flight (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Accepted at the manager, then started (RunIntake): the reply's copy is never started as is. */
  private async startOwn(assignment: Assignment): Promise<void> {
    const result = await this.deps.intake.startOwn(assignment);
    if (!result.accepted)
      this.deps.logger.info('did not start a run', { runId: assignment.runId, reason: result.reason });
  }

  private async dispatch(assignment: Assignment): Promise<void> {
    const { zone, logger, now } = this.deps;
    const member = zone.member(assignment.agentKey);
    const retryAt = now() + Math.max(1_000, zone.settings.probeIntervalMs);
    if (!member) {
      this.nextDispatch.set(assignment.runId, retryAt);
      logger.warn('no LAN address for the agent of a run; the manager will hand it again', {
        runId: assignment.runId,
        agentKey: assignment.agentKey,
      });
      return;
    }
    this.nextDispatch.set(assignment.runId, now() + DISPATCH_TIMEOUT_MS);
    try {
      const reply = await this.deps.lan.dispatch(
        member,
        { runId: assignment.runId, taskId: assignment.taskId, epoch: zone.epoch },
        DISPATCH_TIMEOUT_MS,
      );
      if (reply.accepted) {
        this.nextDispatch.set(assignment.runId, now() + ACCEPTED_QUIET_MS);
        logger.info('handed a run to a secondary', {
          runId: assignment.runId,
          agentKey: assignment.agentKey,
        });
      } else {
        this.nextDispatch.set(assignment.runId, retryAt);
        logger.info('secondary declined a run', {
          runId: assignment.runId,
          agentKey: assignment.agentKey,
          reason: reply.reason,
        });
      }
    } catch (error) {
      this.nextDispatch.set(assignment.runId, now() + Math.max(1_000, zone.settings.probeIntervalMs));
      logger.warn('could not hand a run to a secondary', {
        runId: assignment.runId,
        agentKey: assignment.agentKey,
        error: errorMessage(error),
      });
    }
  }

  private async forwardCancel(runId: number, agentKey: string): Promise<void> {
    const member = this.deps.zone.member(agentKey);
    if (!member) {
      this.deps.logger.warn('no LAN address to forward a cancel; the agent gets it on its next report', {
        runId,
        agentKey,
      });
      return;
    }
    try {
      const reply = await this.deps.lan.cancel(member, runId, 5_000);
      this.deps.logger.info('forwarded a cancel', { runId, agentKey, canceled: reply.canceled });
    } catch (error) {
      this.deps.logger.warn('could not forward a cancel; the agent gets it on its next report', {
        runId,
        agentKey,
        error: errorMessage(error),
      });
    }
  }

  private prune(): void {
    const now = this.deps.now();
    for (const [runId, at] of this.nextDispatch) if (at < now - 60_000) this.nextDispatch.delete(runId);
    for (const [key, at] of this.forwardedCancels) if (at < now - 60_000) this.forwardedCancels.delete(key);
  }
}
