import { isTerminalTaskStatus, type TaskStatus } from '@outpost/shared';

/**
 * An edge of the task state machine:
 * - `enabled`: the manager performs it today (through `TaskTransitions`);
 * - `planned`: part of the design (ARCHITECTURE §5) but its trigger (scheduler, delivery, agent
 *   reports, reaper, cancel-after-delivery) lands in a later change, which flips it to `enabled`.
 * A transition that is not listed at all is impossible.
 */
export type TransitionState = 'enabled' | 'planned';

type TransitionTable = { readonly [From in TaskStatus]: { readonly [To in TaskStatus]?: TransitionState } };

/**
 * The one table of task status changes. Every status has a row (Klevr had no case for `timeout`
 * and crashed on it), terminal statuses have none, and every change the manager makes is one
 * guarded UPDATE `WHERE status IN (...)` derived from this table.
 *
 *   scheduled → wait-polling → hand-over → wait-exec → started ⇄ running → complete | failed |
 *   recovering → failed | failed-recover; canceled (before delivery), stopped (after delivery),
 *   timeout, and wait-iteration-schedule for iteration tasks between runs.
 */
export const TASK_TRANSITIONS = {
  // Created with a schedule (or an iteration task waiting for its first cron tick).
  scheduled: {
    'wait-polling': 'planned', // scheduler worker: schedule / next cron tick reached
    canceled: 'enabled', // cancel before delivery
  },
  // Due now, waiting for the zone's primary to poll.
  'wait-polling': {
    'hand-over': 'planned', // put in a primary's poll reply
    canceled: 'enabled', // cancel before delivery
  },
  // In a poll reply; re-sent until the agent acknowledges it (at-least-once delivery).
  'hand-over': {
    'wait-exec': 'planned', // the agent accepted the run
    'wait-polling': 'planned', // redelivery: the primary changed or the run was never acknowledged
    failed: 'planned', // the agent refused it, or retries are exhausted
    stopped: 'planned', // cancel after delivery rides on the next reply
  },
  // Accepted by an agent, not yet started.
  'wait-exec': {
    started: 'planned',
    'wait-polling': 'planned', // reaper: the agent went offline before starting it
    failed: 'planned',
    stopped: 'planned',
    timeout: 'planned',
  },
  started: {
    running: 'planned', // a step finished, more remain
    complete: 'planned',
    failed: 'planned',
    recovering: 'planned', // a step failed and the task has a recover step
    'wait-iteration-schedule': 'planned', // iteration run finished; wait for the next tick
    scheduled: 'planned', // retry after backoff (maxRetries / retryBackoffSeconds)
    stopped: 'planned',
    timeout: 'planned',
  },
  running: {
    started: 'planned', // ⇄: the next run of an iteration task
    complete: 'planned',
    failed: 'planned',
    recovering: 'planned',
    'wait-iteration-schedule': 'planned',
    scheduled: 'planned', // retry after backoff
    stopped: 'planned',
    timeout: 'planned',
  },
  recovering: {
    failed: 'planned', // the recover step ran (the task still failed)
    'failed-recover': 'planned', // the recover step itself failed
    stopped: 'planned',
    timeout: 'planned',
  },
  // Iteration task between runs; the manager holds it until the next cron tick.
  'wait-iteration-schedule': {
    'wait-polling': 'planned', // next cron tick reached
    complete: 'planned', // untilRun passed
    canceled: 'enabled', // nothing is delivered between runs, so the manager cancels
  },
  complete: {},
  failed: {},
  'failed-recover': {},
  canceled: {},
  stopped: {},
  timeout: {},
} as const satisfies TransitionTable;

const table: TransitionTable = TASK_TRANSITIONS;
const allStatuses = Object.keys(TASK_TRANSITIONS) as TaskStatus[];

/** True when the manager may move a task from `from` to `to` today. */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return table[from][to] === 'enabled';
}

/** The statuses a task may be in for an enabled move to `to` (the `WHERE status IN (...)` list). */
export function enabledSourcesOf(to: TaskStatus): TaskStatus[] {
  return allStatuses.filter((from) => canTransition(from, to));
}

/** Whether a finished task gets `finished_at` set: every terminal status does. */
export function finishesTask(to: TaskStatus): boolean {
  return isTerminalTaskStatus(to);
}
