import type { AgentState, TaskStatus } from '@outpost/shared';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import type { TaskEntity } from '../tasks/task.entity';

/** Time the agent's own timeout kill has to report before the manager ends the run itself. */
export const TIMEOUT_GRACE_MS = 30_000;

/**
 * Runs handed out that no agent accepted: an agent starts a run only after the manager recorded
 * its acceptance, so nothing of these ran and the task can be handed out again.
 */
export const UNSTARTED_RUN_STATUSES: readonly TaskStatus[] = ['hand-over'];
/**
 * Runs their agent accepted (`wait-exec`) or reported executing: possibly running, so never handed
 * out again (at most once); they send heartbeats and their timeout runs.
 */
export const EXECUTING_RUN_STATUSES: readonly TaskStatus[] = [
  'wait-exec',
  'started',
  'running',
  'recovering',
];

export interface ReapSettings {
  heartbeatTimeoutMs: number;
}

export type ReapVerdict =
  /** Never started and its agent is gone: hand the task out again (or fail this run of a batch). */
  | { kind: 'unstarted'; error: string }
  /** Ended by the manager: `failed` (agent lost) or `timeout` (the backstop). */
  | { kind: 'end'; to: 'failed' | 'timeout'; error: string };

/**
 * Whether the manager ends an unfinished run itself, and how (pure; judged on rows read in the
 * transaction that changes them):
 * - its agent is offline, retired or deleted: an unaccepted run is handed out again, an accepted
 *   or executing one is `failed` ("agent lost": it may have started, so it is not run again);
 * - an executing run whose last heartbeat and last status change are both older than the
 *   heartbeat timeout: `failed` ("agent lost"). longTerm tasks live on exactly this: they
 *   run as long as their agent's heartbeats come, and are failed here when they stop;
 * - an executing run of a task with a timeout, still unfinished that long after it started plus
 *   TIMEOUT_GRACE_MS: `timeout`. The agent kills its own runs on timeout; this backstop covers an
 *   agent that could not report, and its cancel reaches the agent on its next report.
 */
export function judgeRun(
  run: Pick<TaskRunEntity, 'status' | 'heartbeatAt' | 'updatedAt' | 'startedAt'>,
  task: Pick<TaskEntity, 'timeoutSeconds'>,
  agentState: AgentState | null,
  now: Date,
  settings: ReapSettings,
): ReapVerdict | null {
  const executing = EXECUTING_RUN_STATUSES.includes(run.status);
  if (!executing && !UNSTARTED_RUN_STATUSES.includes(run.status)) return null;
  if (agentState === null || agentState === 'offline' || agentState === 'retired') {
    const why =
      agentState === null ? 'was deleted' : agentState === 'retired' ? 'was retired' : 'went offline';
    return executing
      ? {
          kind: 'end',
          to: 'failed',
          error:
            run.status === 'wait-exec'
              ? `agent lost: its agent ${why} after accepting the run, before reporting it started`
              : `agent lost: its agent ${why} while the run was executing`,
        }
      : { kind: 'unstarted', error: `never started: its agent ${why} before accepting it` };
  }
  if (!executing) return null;
  // Any word about the run is a sign of life: its heartbeat, or a status report (updatedAt).
  const lastSign = Math.max(run.heartbeatAt?.getTime() ?? 0, run.updatedAt.getTime());
  if (now.getTime() - lastSign > settings.heartbeatTimeoutMs) {
    const seconds = Math.round((now.getTime() - lastSign) / 1000);
    return { kind: 'end', to: 'failed', error: `agent lost: no heartbeat for ${seconds} s` };
  }
  if (isOverdue(run, task.timeoutSeconds, now)) {
    return {
      kind: 'end',
      to: 'timeout',
      error: `timed out: no result ${task.timeoutSeconds} s (+${TIMEOUT_GRACE_MS / 1000} s grace) after the run started; the manager ended it`,
    };
  }
  return null;
}

/** Past its task's timeout plus the grace, counted from when it started (or its last change). */
export function isOverdue(
  run: Pick<TaskRunEntity, 'startedAt' | 'updatedAt'>,
  timeoutSeconds: number,
  now: Date,
): boolean {
  if (timeoutSeconds <= 0) return false;
  const startedAt = (run.startedAt ?? run.updatedAt).getTime();
  return now.getTime() > startedAt + timeoutSeconds * 1000 + TIMEOUT_GRACE_MS;
}
