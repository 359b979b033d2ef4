import { taskStatuses, terminalTaskStatuses } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  enabledSourcesOf,
  finishesTask,
  TASK_TRANSITIONS,
  transitionPath,
} from './task-state-machine';

describe('TASK_TRANSITIONS', () => {
  it('has a row for every status, so none is unhandled (Klevr crashed on timeout)', () => {
    expect(Object.keys(TASK_TRANSITIONS).sort()).toEqual([...taskStatuses].sort());
  });

  it('never leaves a terminal status', () => {
    for (const status of terminalTaskStatuses) expect(TASK_TRANSITIONS[status]).toEqual({});
  });

  it('cancels before delivery and stops after it', () => {
    expect(enabledSourcesOf('canceled')).toEqual(['scheduled', 'wait-polling', 'wait-iteration-schedule']);
    expect(enabledSourcesOf('stopped')).toEqual([
      'hand-over',
      'wait-exec',
      'started',
      'running',
      'recovering',
    ]);
  });

  it('refuses canceling a delivered or finished task', () => {
    expect(canTransition('hand-over', 'canceled')).toBe(false);
    expect(canTransition('running', 'canceled')).toBe(false);
    expect(canTransition('canceled', 'canceled')).toBe(false);
    expect(canTransition('complete', 'canceled')).toBe(false);
    expect(canTransition('complete', 'stopped')).toBe(false);
  });

  it('enables the delivery path of ARCHITECTURE §5', () => {
    expect(canTransition('scheduled', 'wait-polling')).toBe(true);
    expect(canTransition('wait-polling', 'hand-over')).toBe(true);
    expect(canTransition('hand-over', 'wait-exec')).toBe(true);
    expect(canTransition('wait-exec', 'started')).toBe(true);
    expect(canTransition('started', 'running')).toBe(true);
    expect(canTransition('recovering', 'failed-recover')).toBe(true);
    expect(canTransition('running', 'wait-iteration-schedule')).toBe(true);
    expect(canTransition('wait-iteration-schedule', 'wait-polling')).toBe(true);
  });

  it('lets a retry go back to scheduled from every delivered status', () => {
    expect(enabledSourcesOf('scheduled')).toEqual([
      'hand-over',
      'wait-exec',
      'started',
      'running',
      'recovering',
    ]);
  });

  it("enables the reaper's and the scheduler's edges", () => {
    expect(canTransition('hand-over', 'wait-polling')).toBe(true);
    expect(canTransition('wait-iteration-schedule', 'complete')).toBe(true);
    // Klevr looped an iteration in the agent; here each iteration is a new run, so this stays unused.
    expect(TASK_TRANSITIONS.running.started).toBe('planned');
  });

  it('never sends an accepted task back to waiting: only runs nobody accepted are handed out again', () => {
    // An agent starts a run only after the manager recorded its acceptance (wait-exec), so from
    // wait-exec on the run may be executing and handing it out again could run it twice.
    expect(enabledSourcesOf('wait-polling')).toEqual(['scheduled', 'hand-over', 'wait-iteration-schedule']);
  });

  it('never skips a step forward except through the path helper', () => {
    expect(canTransition('wait-polling', 'started')).toBe(false);
    expect(canTransition('hand-over', 'complete')).toBe(false);
  });
  it('sets finished_at exactly for terminal statuses', () => {
    expect(taskStatuses.filter(finishesTask)).toEqual(
      [...terminalTaskStatuses].sort((a, b) => taskStatuses.indexOf(a) - taskStatuses.indexOf(b)),
    );
  });
});

describe('transitionPath', () => {
  it('walks a run acknowledged and finished in one batch edge by edge', () => {
    expect(transitionPath('hand-over', 'complete')).toEqual(['wait-exec', 'started', 'complete']);
    expect(transitionPath('hand-over', 'running')).toEqual(['wait-exec', 'started', 'running']);
  });

  it('takes the direct edge when there is one', () => {
    expect(transitionPath('hand-over', 'failed')).toEqual(['failed']);
    expect(transitionPath('running', 'complete')).toEqual(['complete']);
    expect(transitionPath('started', 'scheduled')).toEqual(['scheduled']);
  });

  it('passes through recovering to reach failed-recover', () => {
    expect(transitionPath('started', 'failed-recover')).toEqual(['recovering', 'failed-recover']);
  });

  it('finds nothing backwards, out of a terminal status, or to itself', () => {
    expect(transitionPath('running', 'started')).toEqual([]);
    expect(transitionPath('complete', 'failed')).toEqual([]);
    expect(transitionPath('running', 'running')).toEqual([]);
    expect(transitionPath('scheduled', 'hand-over')).toEqual([]);
  });
});
