import { isTerminalTaskStatus, type TaskStatus } from '@outpost/shared';

/**
 * An edge of the task state machine:
 * - `enabled`: the manager performs it today (through `TaskTransitions`);
 * - `planned`: part of the design but not performed (today only Klevr's in-agent iteration loop,
 *   `running → started`, which Outpost replaces with one run per iteration).
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
  // Created with a schedule, waiting for a retry's backoff, or an iteration task waiting for its
  // first cron tick.
  scheduled: {
    'wait-polling': 'enabled', // due: moved lazily by the zone primary's next poll
    canceled: 'enabled', // cancel before delivery
  },
  // Due now, waiting for the zone's primary to poll.
  'wait-polling': {
    'hand-over': 'enabled', // runs created for it and put in a primary's poll reply
    canceled: 'enabled', // cancel before delivery
  },
  // In a poll reply; re-sent until the agent accepts it (at-least-once delivery).
  'hand-over': {
    'wait-exec': 'enabled', // the agent accepted the run (POST /agent/v1/runs/:runId/accept)
    'wait-polling': 'enabled', // nobody accepted the run and its agent is gone or cannot be reached
    failed: 'enabled', // the agent refused it
    scheduled: 'enabled', // the agent refused it and a retry is left
    stopped: 'enabled', // cancel after delivery: the cancel rides on the next replies
  },
  // Accepted by an agent, which starts it only after that was recorded: from here on it may be
  // executing, so it never goes back to waiting (at most once); a lost agent's run is failed.
  'wait-exec': {
    started: 'enabled',
    failed: 'enabled',
    scheduled: 'enabled', // retry after backoff
    stopped: 'enabled',
    timeout: 'enabled',
  },
  started: {
    running: 'enabled', // a step finished, more remain
    complete: 'enabled',
    failed: 'enabled',
    recovering: 'enabled', // a step failed and the task has a recover step
    'wait-iteration-schedule': 'enabled', // iteration run finished; wait for the next tick
    scheduled: 'enabled', // retry after backoff (maxRetries / retryBackoffSeconds)
    stopped: 'enabled',
    timeout: 'enabled',
  },
  running: {
    // ⇄ in Klevr, where the agent looped an iteration task in memory. Here every iteration is a
    // run of its own, delivered anew (wait-iteration-schedule → wait-polling → hand-over → …).
    started: 'planned',
    complete: 'enabled',
    failed: 'enabled',
    recovering: 'enabled',
    'wait-iteration-schedule': 'enabled',
    scheduled: 'enabled', // retry after backoff
    stopped: 'enabled',
    timeout: 'enabled',
  },
  recovering: {
    failed: 'enabled', // the recover step ran (the task still failed)
    'failed-recover': 'enabled', // the recover step itself failed
    scheduled: 'enabled', // retry after backoff
    stopped: 'enabled',
    timeout: 'enabled',
  },
  // Iteration task between runs; the manager holds it until the next cron tick.
  'wait-iteration-schedule': {
    'wait-polling': 'enabled', // next cron tick reached: moved lazily by the primary's next poll
    complete: 'enabled', // scheduler: untilRun passed before the next tick (also decided when a run completes)
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

/** Statuses a task passes through on its way to a later one when an agent skips reporting them. */
const PROGRESS_STEPS: readonly TaskStatus[] = ['wait-exec', 'started', 'recovering'];

/**
 * The enabled moves that take a delivered task from `from` to `to`, shortest first, passing only
 * through the progress statuses (wait-exec, started, recovering). An agent may report `started`
 * without `wait-exec` first, or `complete` for a run it acknowledged in the same batch; the task
 * still walks the machine edge by edge, so every change is guarded and has its event. Empty when
 * there is no such path (or `from` is `to`).
 */
export function transitionPath(from: TaskStatus, to: TaskStatus): TaskStatus[] {
  if (from === to) return [];
  const previous = new Map<TaskStatus, TaskStatus>();
  const queue: TaskStatus[] = [from];
  while (queue.length > 0) {
    const current = queue.shift() as TaskStatus;
    for (const next of allStatuses) {
      if (!canTransition(current, next) || previous.has(next) || next === from) continue;
      if (next !== to && !PROGRESS_STEPS.includes(next)) continue;
      previous.set(next, current);
      if (next === to) {
        const path: TaskStatus[] = [to];
        let step = current;
        while (step !== from) {
          path.unshift(step);
          step = previous.get(step) as TaskStatus;
        }
        return path;
      }
      queue.push(next);
    }
  }
  return [];
}
