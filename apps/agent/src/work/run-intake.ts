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
 * hands over on the LAN (fetched from the manager with this agent's own token, so credentials
 * never cross the LAN). Execution is once per run: a run id that is held, being fetched or already
 * finished here is refused.
 */
export class RunIntake {
  private readonly fetching = new Set<number>();

  constructor(private readonly deps: RunIntakeDeps) {}

  startOwn(assignment: Assignment): IntakeResult {
    const refusal = this.refusal(assignment.runId);
    if (refusal) return { accepted: false, reason: refusal };
    if (assignment.agentKey !== this.deps.agentKey())
      return { accepted: false, reason: 'assignment is for another agent' };
    return this.start(assignment);
  }

  async acceptDispatch(request: LanDispatchRequest, caller: string): Promise<IntakeResult> {
    const refusal = this.refusal(request.runId);
    if (refusal) {
      this.deps.logger.debug('refused a dispatched run', {
        runId: request.runId,
        from: caller,
        reason: refusal,
      });
      return { accepted: false, reason: refusal };
    }
    this.fetching.add(request.runId);
    try {
      let assignment: Assignment;
      try {
        assignment = await withRetry(() => this.deps.client.getRun(request.runId), {
          maxAttempts: 3,
          policy: this.deps.backoff,
          random: this.deps.random,
        });
      } catch (error) {
        this.deps.logger.warn('could not fetch a dispatched run from the manager', {
          runId: request.runId,
          from: caller,
          error: errorMessage(error),
        });
        return { accepted: false, reason: `could not fetch the run: ${errorMessage(error)}` };
      }
      if (assignment.runId !== request.runId || assignment.agentKey !== this.deps.agentKey()) {
        return { accepted: false, reason: 'the manager assigns this run to another agent' };
      }
      const again = this.refusal(request.runId, true);
      if (again) return { accepted: false, reason: again };
      const result = this.start(assignment);
      this.deps.logger.info('accepted a dispatched run', {
        runId: request.runId,
        taskId: assignment.taskId,
        from: caller,
        accepted: result.accepted,
      });
      return result;
    } finally {
      this.fetching.delete(request.runId);
    }
  }

  private refusal(runId: number, ignoreFetching = false): string | null {
    const { queue, runner } = this.deps;
    if (this.deps.isStopping()) return 'agent is shutting down';
    if (!ignoreFetching && this.fetching.has(runId)) return 'run is already being accepted';
    if (queue.isHeld(runId) || runner.isRunning(runId)) return 'run already held by this agent';
    if (queue.isFinished(runId)) return 'run already finished on this agent';
    return null;
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
