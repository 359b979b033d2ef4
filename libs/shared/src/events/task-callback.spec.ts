import { describe, expect, it } from 'vitest';
import { type EventFilter, eventFilters, type TaskStatus, taskStatuses } from '../inner-api/tasks.contract';
import { eventFilterSelects, taskCallbackFlags } from './task-callback';

const TERMINAL: TaskStatus[] = ['complete', 'failed', 'failed-recover', 'canceled', 'stopped', 'timeout'];

/** For the filters that look only at the new status: the statuses they select, written out. */
const SELECTED_TARGETS: Record<Exclude<EventFilter, 'both-ends' | 'changed-result'>, TaskStatus[]> = {
  'all-statuses': [...taskStatuses],
  'conclusion-statuses': TERMINAL,
  success: ['complete'],
  failed: ['failed', 'failed-recover', 'timeout'],
  'each-steps': ['running', 'recovering', ...TERMINAL],
};

/** Every (from, to, resultChanged) combination, impossible ones included: the rule must not care. */
const everyChange = taskStatuses.flatMap((from) =>
  taskStatuses.flatMap((to) => [false, true].map((resultChanged) => ({ from, to, resultChanged }))),
);

describe('eventFilterSelects', () => {
  it('has a rule for every filter', () => {
    for (const filter of eventFilters) {
      expect(() => eventFilterSelects(filter, everyChange[0]!)).not.toThrow();
    }
  });

  for (const [filter, targets] of Object.entries(SELECTED_TARGETS) as [EventFilter, TaskStatus[]][]) {
    it(`${filter} selects exactly the changes into ${targets.length === taskStatuses.length ? 'any status' : targets.join(', ')}`, () => {
      for (const change of everyChange) {
        expect(eventFilterSelects(filter, change), JSON.stringify(change)).toBe(targets.includes(change.to));
      }
    });
  }

  it('both-ends selects the first start and the terminal statuses, and nothing else', () => {
    const notExecuting: TaskStatus[] = [
      'scheduled',
      'wait-polling',
      'hand-over',
      'wait-exec',
      'wait-iteration-schedule',
      ...TERMINAL,
    ];
    for (const change of everyChange) {
      const firstStart = change.to === 'started' && notExecuting.includes(change.from);
      expect(eventFilterSelects('both-ends', change), JSON.stringify(change)).toBe(
        firstStart || TERMINAL.includes(change.to),
      );
    }
    // Klevr's started ⇄ running loop: coming back to started is not a new start.
    expect(eventFilterSelects('both-ends', { from: 'running', to: 'started', resultChanged: false })).toBe(
      false,
    );
    expect(eventFilterSelects('both-ends', { from: 'wait-exec', to: 'started', resultChanged: false })).toBe(
      true,
    );
  });

  it('changed-result selects a change exactly when the result changed, whatever the statuses', () => {
    for (const change of everyChange) {
      expect(eventFilterSelects('changed-result', change), JSON.stringify(change)).toBe(change.resultChanged);
    }
  });
});

describe('taskCallbackFlags', () => {
  /** klevr.md §4.12, with `timeout` (a crash in Klevr) complete and not a success. */
  const table: Record<TaskStatus, [complete: boolean, success: boolean, commandErrorIfStepFailed: boolean]> =
    {
      scheduled: [false, false, false],
      'wait-polling': [false, false, false],
      'hand-over': [false, false, false],
      'wait-exec': [false, false, false],
      started: [false, false, false],
      running: [false, false, false],
      recovering: [false, false, true],
      'wait-iteration-schedule': [false, true, false],
      complete: [true, true, false],
      failed: [true, false, true],
      'failed-recover': [true, false, true],
      canceled: [true, false, false],
      stopped: [true, false, false],
      timeout: [true, false, false],
    };

  it.each(taskStatuses)('follows the table for %s', (status) => {
    const [complete, success, commandError] = table[status];
    expect(taskCallbackFlags(status, 2)).toEqual({ complete, success, isCommandError: commandError });
  });

  it('counts a failure as a command error only when a step failed, except failed-recover', () => {
    expect(taskCallbackFlags('failed', null).isCommandError).toBe(false);
    expect(taskCallbackFlags('failed', 0).isCommandError).toBe(false);
    expect(taskCallbackFlags('recovering', null).isCommandError).toBe(false);
    expect(taskCallbackFlags('failed-recover', null).isCommandError).toBe(true);
  });
});
