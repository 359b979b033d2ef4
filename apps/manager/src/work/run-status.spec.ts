import type { TaskStatus } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { judgeRunReport, type ReportedStatus, runStatusFor } from './run-status';

const run = (status: TaskStatus, currentStep = 0) => ({ id: 7, status, currentStep });
const report = (status: ReportedStatus, currentStep = 0) => ({ status, currentStep });

describe('judgeRunReport', () => {
  it('applies a report that moves the run forward, skipped statuses included', () => {
    expect(judgeRunReport(run('hand-over'), report('wait-exec'))).toEqual({ kind: 'apply', to: 'wait-exec' });
    expect(judgeRunReport(run('wait-exec'), report('started', 1))).toEqual({ kind: 'apply', to: 'started' });
    expect(judgeRunReport(run('hand-over'), report('complete', 2))).toEqual({
      kind: 'apply',
      to: 'complete',
    });
    expect(judgeRunReport(run('recovering', 3), report('failed', 3))).toEqual({
      kind: 'apply',
      to: 'failed',
    });
  });

  it('applies the same status with a later step (progress), not with the same one', () => {
    expect(judgeRunReport(run('running', 2), report('running', 3))).toEqual({ kind: 'apply', to: 'running' });
    expect(judgeRunReport(run('running', 3), report('running', 3))).toEqual({ kind: 'duplicate' });
  });

  it('calls an older status a duplicate', () => {
    expect(judgeRunReport(run('running', 2), report('started', 1))).toEqual({ kind: 'duplicate' });
    expect(judgeRunReport(run('started', 1), report('wait-exec'))).toEqual({ kind: 'duplicate' });
  });

  it('calls the same final status, or any progress, on a finished run a duplicate', () => {
    expect(judgeRunReport(run('complete', 2), report('complete', 2))).toEqual({ kind: 'duplicate' });
    expect(judgeRunReport(run('complete', 2), report('running', 1))).toEqual({ kind: 'duplicate' });
  });

  it('rejects another final status for a finished run, naming the run and both statuses', () => {
    const verdict = judgeRunReport(run('stopped'), report('complete', 2));
    expect(verdict).toEqual({
      kind: 'reject',
      message: 'Run 7 is already stopped; it cannot become complete',
    });
  });

  it('ends a run reported as waiting for its next iteration as complete', () => {
    expect(runStatusFor('wait-iteration-schedule')).toBe('complete');
    expect(judgeRunReport(run('running', 1), report('wait-iteration-schedule', 1))).toEqual({
      kind: 'apply',
      to: 'complete',
    });
  });
});
