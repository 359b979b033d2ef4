import { taskStatuses, terminalTaskStatuses } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { canTransition, enabledSourcesOf, finishesTask, TASK_TRANSITIONS } from './task-state-machine';

describe('TASK_TRANSITIONS', () => {
  it('has a row for every status, so none is unhandled (Klevr crashed on timeout)', () => {
    expect(Object.keys(TASK_TRANSITIONS).sort()).toEqual([...taskStatuses].sort());
  });

  it('never leaves a terminal status', () => {
    for (const status of terminalTaskStatuses) expect(TASK_TRANSITIONS[status]).toEqual({});
  });

  it('enables only the pre-delivery cancel edges for now', () => {
    expect(enabledSourcesOf('canceled')).toEqual(['scheduled', 'wait-polling', 'wait-iteration-schedule']);
    const enabled = taskStatuses.flatMap((from) =>
      taskStatuses.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(enabled).toEqual([
      'scheduled->canceled',
      'wait-polling->canceled',
      'wait-iteration-schedule->canceled',
    ]);
  });

  it('refuses canceling a delivered or finished task', () => {
    expect(canTransition('hand-over', 'canceled')).toBe(false);
    expect(canTransition('running', 'canceled')).toBe(false);
    expect(canTransition('canceled', 'canceled')).toBe(false);
    expect(canTransition('complete', 'canceled')).toBe(false);
  });

  it('documents the delivery path of ARCHITECTURE §5 as planned edges', () => {
    expect(TASK_TRANSITIONS.scheduled['wait-polling']).toBe('planned');
    expect(TASK_TRANSITIONS['wait-polling']['hand-over']).toBe('planned');
    expect(TASK_TRANSITIONS['hand-over']['wait-exec']).toBe('planned');
    expect(TASK_TRANSITIONS['wait-exec'].started).toBe('planned');
    expect(TASK_TRANSITIONS.started.running).toBe('planned');
    expect(TASK_TRANSITIONS.running.started).toBe('planned');
    expect(TASK_TRANSITIONS.recovering['failed-recover']).toBe('planned');
  });

  it('sets finished_at exactly for terminal statuses', () => {
    expect(taskStatuses.filter(finishesTask)).toEqual(
      [...terminalTaskStatuses].sort((a, b) => taskStatuses.indexOf(a) - taskStatuses.indexOf(b)),
    );
  });
});
