import type { Assignment, LanDispatchRequest } from '@outpost/shared';
import type { ManagerClient } from '../client/manager-client';
import { withRetry, type BackoffPolicy } from '../client/retry';
import { errorMessage, type Logger } from '../log/logger';
import type { ReportQueue } from '../state/report-queue';
import type { RunnerPort } from './runner-port';

export interface IntakeResult {
  accepted: boolean;
  reason?: string;
}

export interface RunIntakeDeps {
  runner: RunnerPort;
  queue: ReportQueue;
  client: ManagerClient;
  agentKey: () => string;
  isStopping: () => boolean;
  logger: Logger;
  backoff: BackoffPolicy;
  random: () => number;
  /** A run started (the reporter starts heartbeating). */
  onStarted: () => void;
}

/**
 * Where runs enter the agent: the primary's own assignments from its poll, and runs another agent
 * hands over on the LAN. Both take the same path: the run is **accepted at the manager first**
 * (with this agent's own token, so credentials never cross the LAN), and started only once the
 * manager recorded the acceptance and answered the assignment. The manager hands out again only
 * runs nobody accepted, so a crash between starting a run and reporting it cannot make it run
 * twice. Locally too a run id is taken once: one held, being accepted or already finished here is
 * refused.
 */
export class RunIntake {
  private readonly accepting = new Set<number>();

  constructor(private readonly deps: RunIntakeDeps) {}

  /** The primary's own run from its poll (the poll's copy is not started: the manager's answer is). */
  startOwn(assignment: Assignment): Promise<IntakeResult> {
    if (assignment.agentKey !== this.deps.agentKey())
      return Promise.resolve({ accepted: false, reason: 'assignment is for another agent' });
    return this.acceptAndStart(assignment.runId, 'poll');
  }

  /** A run the primary handed over on the LAN (`caller`: its agent key). */
  acceptDispatch(request: LanDispatchRequest, caller: string): Promise<IntakeResult> {
    return this.acceptAndStart(request.runId, caller);
  }

  /** Why a run would be refused now (held, being accepted, finished, shutting down), or null. */
  refusal(runId: number, ignoreAccepting = false): string | null {
    const { queue, runner } = this.deps;
    if (this.deps.isStopping()) return 'agent is shutting down';
    if (!ignoreAccepting && this.accepting.has(runId)) return 'run is already being accepted';
    if (queue.isHeld(runId) || runner.isRunning(runId)) return 'run already held by this agent';
    if (queue.isFinished(runId)) return 'run already finished on this agent';
    return null;
  }

  private async acceptAndStart(runId: number, from: string): Promise<IntakeResult> {
    const refusal = this.refusal(runId);
    if (refusal) {
      this.deps.logger.debug('refused a run', { runId, from, reason: refusal });
      return { accepted: false, reason: refusal };
    }
    this.accepting.add(runId);
    try {
      let assignment: Assignment;
      try {
        // A retry after a lost answer is safe: accepting a run this agent already accepted answers the same.
        assignment = await withRetry(() => this.deps.client.acceptRun(runId), {
          maxAttempts: 3,
          policy: this.deps.backoff,
          random: this.deps.random,
        });
      } catch (error) {
        this.deps.logger.warn('could not accept a run at the manager; it is not started', {
          runId,
          from,
          error: errorMessage(error),
        });
        return { accepted: false, reason: `could not accept the run: ${errorMessage(error)}` };
      }
      if (assignment.runId !== runId || assignment.agentKey !== this.deps.agentKey()) {
        return { accepted: false, reason: 'the manager assigns this run to another agent' };
      }
      const again = this.refusal(runId, true);
      if (again) return { accepted: false, reason: again };
      const result = this.start(assignment);
      this.deps.logger.info('accepted a run', {
        runId,
        taskId: assignment.taskId,
        from,
        started: result.accepted,
      });
      return result;
    } finally {
      this.accepting.delete(runId);
    }
  }

  private start(assignment: Assignment): IntakeResult {
    const { queue, runner } = this.deps;
    // Held before it starts: events the runner emits synchronously already find the run held.
    queue.hold(assignment.runId, assignment.taskId);
    let started = false;
    try {
      started = runner.start(assignment);
    } catch (error) {
      this.deps.logger.error('runner failed to start a run', {
        runId: assignment.runId,
        error: errorMessage(error),
      });
    }
    if (!started) {
      queue.release(assignment.runId);
      return { accepted: false, reason: 'the runner refused the run' };
    }
    this.deps.onStarted();
    return { accepted: true };
  }
}
