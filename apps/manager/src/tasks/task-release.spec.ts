import { describe, expect, it } from 'vitest';
import { planRelease, type TimedTask } from './task-release';

const now = new Date('2030-01-01T10:00:30.000Z');

function task(overrides: Partial<TimedTask> = {}): TimedTask {
  return {
    id: 1,
    zoneId: 1,
    status: 'scheduled',
    taskType: 'atOnce',
    cron: null,
    timeZone: 'UTC',
    untilAt: null,
    nextRunAt: new Date('2030-01-01T10:00:00.000Z'),
    ...overrides,
  };
}

describe('planRelease', () => {
  it('releases a due one-off task as it is, and waits for one not due', () => {
    expect(planRelease(task(), now)).toEqual({ to: 'wait-polling' });
    const later = new Date('2030-01-01T10:01:00.000Z');
    expect(planRelease(task({ nextRunAt: later }), now)).toEqual({ to: null, dueAt: later });
  });

  it('moves a due iteration task on to the tick after now (the tick its run owes next)', () => {
    expect(
      planRelease(
        task({ status: 'wait-iteration-schedule', taskType: 'iteration', cron: '*/5 * * * *' }),
        now,
      ),
    ).toEqual({ to: 'wait-polling', nextRunAt: new Date('2030-01-01T10:05:00.000Z') });
  });

  it('completes an iteration between runs whose untilRun passed before its next tick', () => {
    const base = { status: 'wait-iteration-schedule', taskType: 'iteration', cron: '0 * * * *' } as const;
    const untilAt = new Date('2030-01-01T10:00:10.000Z');
    expect(
      planRelease(task({ ...base, untilAt, nextRunAt: new Date('2030-01-01T11:00:00.000Z') }), now),
    ).toEqual({
      to: 'complete',
    });
    // A tick at or before untilRun still runs, even late.
    expect(planRelease(task({ ...base, untilAt }), now)).toMatchObject({ to: 'wait-polling' });
  });

  it('does nothing for a task that is not waiting for a time', () => {
    expect(planRelease(task({ status: 'canceled' }), now)).toEqual({ to: null, dueAt: null });
  });
});
