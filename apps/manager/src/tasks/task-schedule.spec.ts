import { describe, expect, it } from 'vitest';
import { isScheduleProblem, planInitialSchedule, type SchedulingInput } from './task-schedule';

const now = new Date('2030-03-09T15:00:00.000Z');
const atOnce: SchedulingInput = { taskType: 'atOnce', schedule: null, timeZone: 'UTC', untilRun: null };
const iteration: SchedulingInput = {
  taskType: 'iteration',
  schedule: null,
  cron: '0 9 * * *',
  timeZone: 'America/New_York',
  untilRun: null,
};

describe('planInitialSchedule', () => {
  it('makes a task without schedule due now', () => {
    expect(planInitialSchedule(atOnce, now)).toEqual({
      status: 'wait-polling',
      scheduleAt: null,
      nextRunAt: null,
    });
  });

  it('makes a task scheduled in the past due now and keeps the given time', () => {
    const past = new Date('2030-03-09T14:00:00.000Z');
    expect(planInitialSchedule({ ...atOnce, schedule: past }, now)).toEqual({
      status: 'wait-polling',
      scheduleAt: past,
      nextRunAt: null,
    });
  });

  it('holds a task scheduled in the future until then', () => {
    const later = new Date('2030-03-09T16:00:00.000Z');
    expect(planInitialSchedule({ ...atOnce, taskType: 'longTerm', schedule: later }, now)).toEqual({
      status: 'scheduled',
      scheduleAt: later,
      nextRunAt: later,
    });
  });

  it('schedules an iteration task at its first cron tick in its time zone (after the DST change)', () => {
    // 09:00 New York on 2030-03-10 is EDT, 13:00Z; a UTC reading would give 09:00Z.
    expect(planInitialSchedule(iteration, now)).toEqual({
      status: 'scheduled',
      scheduleAt: new Date('2030-03-10T13:00:00.000Z'),
      nextRunAt: new Date('2030-03-10T13:00:00.000Z'),
    });
  });

  it('starts an iteration at the first tick at or after a later schedule', () => {
    const schedule = new Date('2030-03-20T13:00:00.000Z'); // exactly a tick (09:00 EDT)
    expect(planInitialSchedule({ ...iteration, schedule }, now)).toMatchObject({
      status: 'scheduled',
      nextRunAt: schedule,
    });
    const between = new Date('2030-03-20T13:00:00.001Z');
    expect(planInitialSchedule({ ...iteration, schedule: between }, now)).toMatchObject({
      nextRunAt: new Date('2030-03-21T13:00:00.000Z'),
    });
  });

  it('ignores an iteration schedule that is already past', () => {
    const past = new Date('2020-01-01T00:00:00.000Z');
    expect(planInitialSchedule({ ...iteration, schedule: past }, now)).toMatchObject({
      nextRunAt: new Date('2030-03-10T13:00:00.000Z'),
    });
  });

  it('refuses an iteration task whose first run is after untilRun', () => {
    const plan = planInitialSchedule({ ...iteration, untilRun: new Date('2030-03-10T12:00:00.000Z') }, now);
    expect(isScheduleProblem(plan) && plan.field).toBe('untilRun');
  });

  it('refuses an iteration task without cron', () => {
    const plan = planInitialSchedule({ ...iteration, cron: undefined }, now);
    expect(isScheduleProblem(plan) && plan.field).toBe('cron');
  });
});
