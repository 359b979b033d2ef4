import { nextCronRuns, type TaskStatus, type TaskType } from '@outpost/shared';

export interface SchedulingInput {
  taskType: TaskType;
  /** When the caller wants the task to run at the earliest; null for now. */
  schedule: Date | null;
  cron?: string | undefined;
  timeZone: string;
  untilRun: Date | null;
}

export interface InitialSchedule {
  status: Extract<TaskStatus, 'scheduled' | 'wait-polling'>;
  scheduleAt: Date | null;
  /** When the task is next due: the first cron tick, or the schedule of a scheduled task. */
  nextRunAt: Date | null;
}

/** Why a task cannot be scheduled, with the request field to blame. */
export interface ScheduleProblem {
  field: 'cron' | 'untilRun';
  message: string;
}

/**
 * Where a new task starts; the status is always computed here, never taken from the client.
 * - atOnce / longTerm: `scheduled` when the schedule is in the future, else `wait-polling` (due now).
 * - iteration: `scheduled` until the first cron tick at or after max(now, schedule), read in the
 *   task's time zone; `scheduleAt = nextRunAt` = that tick.
 */
export function planInitialSchedule(input: SchedulingInput, now: Date): InitialSchedule | ScheduleProblem {
  const earliest = input.schedule && input.schedule.getTime() > now.getTime() ? input.schedule : null;
  if (input.taskType !== 'iteration') {
    return earliest
      ? { status: 'scheduled', scheduleAt: earliest, nextRunAt: earliest }
      : { status: 'wait-polling', scheduleAt: input.schedule, nextRunAt: null };
  }
  if (!input.cron) return { field: 'cron', message: 'iteration tasks need a cron expression' };
  // nextCronRuns is strictly after `from`: step back 1 ms so a tick exactly at the schedule counts.
  const from = earliest ? new Date(earliest.getTime() - 1) : now;
  const [first] = nextCronRuns(input.cron, input.timeZone, 1, from);
  if (!first) return { field: 'cron', message: 'cron never fires after the schedule' };
  if (input.untilRun && first.getTime() > input.untilRun.getTime()) {
    return {
      field: 'untilRun',
      message: `the first run would be at ${first.toISOString()}, after untilRun ${input.untilRun.toISOString()}; the task would never run`,
    };
  }
  return { status: 'scheduled', scheduleAt: first, nextRunAt: first };
}

export function isScheduleProblem(plan: InitialSchedule | ScheduleProblem): plan is ScheduleProblem {
  return 'field' in plan;
}
