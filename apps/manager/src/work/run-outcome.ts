import { isTerminalTaskStatus, nextCronRuns, type TaskStatus } from '@outpost/shared';
import type { TaskEntity } from '../tasks/task.entity';
import { runProgress } from './run-status';

/** How a run (or all runs of a multi-run delivery) ended. */
export type RunEnd = 'complete' | 'failed' | 'failed-recover' | 'timeout' | 'stopped';

const RETRYABLE: readonly RunEnd[] = ['failed', 'failed-recover', 'timeout'];
const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Delay before retry number `attempt` (1 for the first retry): the task's backoff, doubled for each
 * further retry, at most one hour.
 */
export function retryDelayMs(retryBackoffSeconds: number, attempt: number): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(retryBackoffSeconds * 1000 * 2 ** exponent, MAX_RETRY_DELAY_MS);
}

export type FinishPlan =
  | { to: 'wait-iteration-schedule'; nextRunAt: Date; attempt: 0; queued?: true }
  | { to: 'scheduled'; nextRunAt: Date; attempt: number }
  | { to: RunEnd };

export type FinishInput = Pick<
  TaskEntity,
  | 'taskType'
  | 'cron'
  | 'timeZone'
  | 'untilAt'
  | 'attempt'
  | 'maxRetries'
  | 'retryBackoffSeconds'
  | 'nextRunAt'
  | 'overlapPolicy'
>;

/**
 * Where a task goes when its delivery ended. One definition of attempts: `task.attempt` is the
 * number of retries already scheduled for the current execution (0 at first), and each run records
 * `attempt = task.attempt + 1`, the try it is (1-based). So `maxRetries = 2` allows three runs.
 * - complete: an iteration task waits for the next cron tick after `now` (its own time zone), or
 *   completes when that tick is past `untilRun`; a successful iteration resets the retries. While a
 *   run is in flight `nextRunAt` is the next tick it owes (set when the task was released), so a
 *   `nextRunAt` already past means a tick came due during the run: with overlap policy
 *   `queue-one` that tick runs now (`queued`: the task goes on to wait-polling at once); with
 *   `skip` (the default) it is skipped and the task waits for the next tick after now.
 * - failed, failed-recover or timeout with retries left: `scheduled` again after the backoff.
 * - otherwise the run's end is the task's final status.
 */
export function planFinish(task: FinishInput, end: RunEnd, now: Date): FinishPlan {
  if (end === 'complete') {
    if (task.taskType === 'iteration' && task.cron) {
      const owed = task.nextRunAt;
      const queued =
        task.overlapPolicy === 'queue-one' &&
        owed !== null &&
        owed.getTime() <= now.getTime() &&
        (!task.untilAt || owed.getTime() <= task.untilAt.getTime());
      if (queued) return { to: 'wait-iteration-schedule', nextRunAt: owed, attempt: 0, queued: true };
      const [next] = nextCronRuns(task.cron, task.timeZone, 1, now);
      if (next && (!task.untilAt || next.getTime() <= task.untilAt.getTime())) {
        return { to: 'wait-iteration-schedule', nextRunAt: next, attempt: 0 };
      }
    }
    return { to: 'complete' };
  }
  if (RETRYABLE.includes(end) && task.attempt < task.maxRetries) {
    const attempt = task.attempt + 1;
    return {
      to: 'scheduled',
      attempt,
      nextRunAt: new Date(now.getTime() + retryDelayMs(task.retryBackoffSeconds, attempt)),
    };
  }
  return { to: end };
}

export interface BatchRun {
  id: number;
  agentKey: string | null;
  status: TaskStatus;
  result: string | null;
  failedStep: number | null;
}

export type BatchState =
  | { done: false; progress: Extract<TaskStatus, 'wait-exec' | 'started'> | null }
  | { done: true; end: RunEnd; result: string; failedStep: number | null; isFailedRecover: boolean };

/**
 * A multi-run delivery (target all or labels) as one task status: `started` once any run started,
 * finished when every run is terminal — complete if all completed, stopped if any was stopped,
 * failed otherwise — with the result an object agentKey → that run's result.
 */
export function aggregateRuns(runs: readonly BatchRun[]): BatchState {
  if (runs.some((run) => !isTerminalTaskStatus(run.status))) {
    const furthest = Math.max(...runs.map((run) => runProgress(run.status)));
    const progress =
      furthest >= runProgress('started')
        ? 'started'
        : furthest >= runProgress('wait-exec')
          ? 'wait-exec'
          : null;
    return { done: false, progress };
  }
  const end: RunEnd = runs.every((run) => run.status === 'complete')
    ? 'complete'
    : runs.some((run) => run.status === 'stopped')
      ? 'stopped'
      : 'failed';
  const failedSteps = runs.map((run) => run.failedStep).filter((step): step is number => step !== null);
  const result = Object.fromEntries(runs.map((run) => [run.agentKey ?? `run-${run.id}`, run.result]));
  return {
    done: true,
    end,
    result: JSON.stringify(result),
    failedStep: failedSteps.length > 0 ? Math.min(...failedSteps) : null,
    isFailedRecover: runs.some((run) => run.status === 'failed-recover'),
  };
}
