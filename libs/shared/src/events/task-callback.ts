import { type EventFilter, isTerminalTaskStatus, type TaskStatus } from '../inner-api/tasks.contract';

/** One status change of a task, as the event filter sees it. */
export interface TaskStatusChange {
  from: TaskStatus;
  to: TaskStatus;
  /** The task's result after the change differs from the one before it. */
  resultChanged: boolean;
}

/** Statuses in which a run is executing: `started` from one of these is not the first start. */
const EXECUTING: readonly TaskStatus[] = ['started', 'running', 'recovering'];
const FAILURES: readonly TaskStatus[] = ['failed', 'failed-recover', 'timeout'];

/**
 * Klevr's event-hook sending types, which Klevr never persisted (every update emitted a
 * TASK_CALLBACK). Exhaustive over the filters: a new filter does not compile until it has a rule.
 */
const RULES: Record<EventFilter, (change: TaskStatusChange) => boolean> = {
  'all-statuses': () => true,
  'conclusion-statuses': ({ to }) => isTerminalTaskStatus(to),
  'both-ends': ({ from, to }) => isTerminalTaskStatus(to) || (to === 'started' && !EXECUTING.includes(from)),
  success: ({ to }) => to === 'complete',
  failed: ({ to }) => FAILURES.includes(to),
  'changed-result': ({ resultChanged }) => resultChanged,
  'each-steps': ({ to }) => to === 'running' || to === 'recovering' || isTerminalTaskStatus(to),
};

/** Whether a task with this filter emits a TASK_CALLBACK for this status change. */
export function eventFilterSelects(filter: EventFilter, change: TaskStatusChange): boolean {
  return RULES[filter](change);
}

export interface TaskCallbackFlags {
  complete: boolean;
  success: boolean;
  isCommandError: boolean;
}

/**
 * The flags of a TASK_CALLBACK, after Klevr's table (klevr.md §4.12). Klevr crashed on `timeout`;
 * here it is complete and not a success, like a cancel. A failed step counts from 1, so
 * `failedStep > 0` means a command failed (rather than the delivery).
 */
export function taskCallbackFlags(status: TaskStatus, failedStep: number | null): TaskCallbackFlags {
  const stepFailed = failedStep !== null && failedStep > 0;
  return {
    complete: isTerminalTaskStatus(status),
    success: status === 'complete' || status === 'wait-iteration-schedule',
    isCommandError:
      status === 'failed-recover' || ((status === 'failed' || status === 'recovering') && stepFailed),
  };
}
