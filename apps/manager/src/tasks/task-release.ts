import { Injectable } from '@nestjs/common';
import { nextCronRuns, type TaskStatus } from '@outpost/shared';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { TaskTransitions } from './task-transitions';
import type { TaskEntity } from './task.entity';
import { TasksRepository } from './tasks.repository';

/** The columns that decide whether and how a timed task is released. */
export type TimedTask = Pick<
  TaskEntity,
  'id' | 'zoneId' | 'status' | 'taskType' | 'cron' | 'timeZone' | 'untilAt' | 'nextRunAt'
>;

/** Statuses of a task waiting for a time: a schedule, a retry's backoff, or the next cron tick. */
export const TIMED_STATUSES: readonly TaskStatus[] = ['scheduled', 'wait-iteration-schedule'];

export type ReleasePlan =
  { to: 'wait-polling'; nextRunAt?: Date | null } | { to: 'complete' } | { to: null; dueAt: Date | null };

/** The first cron tick of an iteration task strictly after `after`, in its own time zone. */
export function nextTick(task: Pick<TaskEntity, 'cron' | 'timeZone'>, after: Date): Date | null {
  if (!task.cron) return null;
  return nextCronRuns(task.cron, task.timeZone, 1, after)[0] ?? null;
}

/**
 * What a timed task does now:
 * - not due yet → nothing (`dueAt` says when);
 * - an iteration task whose untilRun passed with its next tick after it → `complete` (the tick
 *   it waits for will never come);
 * - due → `wait-polling`. An iteration task's `nextRunAt` then moves on to the tick after now:
 *   while a run is in flight, `nextRunAt` is the next tick it owes, so a `nextRunAt` in the past
 *   during a run means a tick came due while the previous run was still running (the overlap
 *   policy's marker; see planFinish and the scheduler).
 */
export function planRelease(task: TimedTask, now: Date): ReleasePlan {
  if (!TIMED_STATUSES.includes(task.status)) return { to: null, dueAt: null };
  const untilPassed = task.untilAt !== null && task.untilAt.getTime() < now.getTime();
  if (task.status === 'wait-iteration-schedule' && untilPassed) {
    const beyondUntil = !task.nextRunAt || task.nextRunAt.getTime() > (task.untilAt as Date).getTime();
    if (beyondUntil) return { to: 'complete' };
  }
  if (task.nextRunAt && task.nextRunAt.getTime() > now.getTime()) return { to: null, dueAt: task.nextRunAt };
  if (task.taskType === 'iteration' && task.cron)
    return { to: 'wait-polling', nextRunAt: nextTick(task, now) };
  return { to: 'wait-polling' };
}

export type ReleaseOutcome = 'released' | 'completed' | 'not-due' | 'lost';

function lostRace(error: unknown): boolean {
  return (
    error instanceof AppError && (error.code === 'INVALID_TRANSITION' || error.code === 'TASK_NOT_FOUND')
  );
}

/**
 * Releases due timed tasks: the zone primary's poll does it lazily for its zone, the scheduler
 * worker for every zone; both through here, so the rules are one. The decision is made on the
 * task row read with a lock in the transaction that changes it: a task that was released, run and
 * put back to wait by someone else in between is judged on its new due time, never released early.
 */
@Injectable()
export class TaskRelease {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly transitions: TaskTransitions,
    private readonly clock: Clock,
  ) {}

  /** Callers notify the zone (WorkSignal) after this resolves 'released'. */
  async release(taskId: number): Promise<ReleaseOutcome> {
    try {
      return await this.tasks.transaction(async (manager) => {
        const task = await this.tasks.findForUpdate(taskId, manager);
        if (!task) return 'lost';
        const plan = planRelease(task, this.clock.now());
        if (plan.to === null) return TIMED_STATUSES.includes(task.status) ? 'not-due' : 'lost';
        if (plan.to === 'complete') {
          await this.transitions.transition(taskId, 'complete', { manager, locked: task });
          return 'completed';
        }
        const changes = plan.nextRunAt !== undefined ? { nextRunAt: plan.nextRunAt } : undefined;
        await this.transitions.transition(taskId, 'wait-polling', {
          manager,
          locked: task,
          ...(changes ? { changes } : {}),
        });
        return 'released';
      });
    } catch (error) {
      if (lostRace(error)) return 'lost';
      throw error;
    }
  }
}
