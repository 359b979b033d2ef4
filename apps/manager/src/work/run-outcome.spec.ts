import { describe, expect, it } from 'vitest';
import { aggregateRuns, type BatchRun, type FinishInput, planFinish, retryDelayMs } from './run-outcome';

const now = new Date('2030-01-01T10:00:30.000Z');

function task(overrides: Partial<FinishInput> = {}): FinishInput {
  return {
    taskType: 'atOnce',
    cron: null,
    timeZone: 'UTC',
    untilAt: null,
    attempt: 0,
    maxRetries: 0,
    retryBackoffSeconds: 10,
    nextRunAt: null,
    overlapPolicy: 'skip',
    ...overrides,
  };
}

describe('planFinish', () => {
  it('completes a one-off task and fails it without retries', () => {
    expect(planFinish(task(), 'complete', now)).toEqual({ to: 'complete' });
    expect(planFinish(task(), 'failed', now)).toEqual({ to: 'failed' });
    expect(planFinish(task(), 'failed-recover', now)).toEqual({ to: 'failed-recover' });
  });

  it('sends a completed iteration to the next cron tick in its time zone, with retries reset', () => {
    const plan = planFinish(
      task({ taskType: 'iteration', cron: '0 12 * * *', timeZone: 'Asia/Seoul', attempt: 1 }),
      'complete',
      now,
    );
    // 12:00 in Seoul is 03:00 UTC; 10:00:30 UTC is past it, so the next one is tomorrow's.
    expect(plan).toEqual({
      to: 'wait-iteration-schedule',
      nextRunAt: new Date('2030-01-02T03:00:00.000Z'),
      attempt: 0,
    });
  });

  it('completes an iteration whose next tick is after untilRun', () => {
    const untilAt = new Date('2030-01-01T10:00:59.000Z');
    expect(planFinish(task({ taskType: 'iteration', cron: '* * * * *', untilAt }), 'complete', now)).toEqual({
      to: 'complete',
    });
    const later = new Date('2030-01-01T10:01:00.000Z');
    expect(
      planFinish(task({ taskType: 'iteration', cron: '* * * * *', untilAt: later }), 'complete', now),
    ).toMatchObject({
      to: 'wait-iteration-schedule',
    });
  });

  it('retries a failed or timed-out run while retries are left, with a doubling backoff', () => {
    expect(planFinish(task({ maxRetries: 2, retryBackoffSeconds: 10 }), 'failed', now)).toEqual({
      to: 'scheduled',
      attempt: 1,
      nextRunAt: new Date(now.getTime() + 10_000),
    });
    expect(planFinish(task({ maxRetries: 2, attempt: 1, retryBackoffSeconds: 10 }), 'timeout', now)).toEqual({
      to: 'scheduled',
      attempt: 2,
      nextRunAt: new Date(now.getTime() + 20_000),
    });
    expect(planFinish(task({ maxRetries: 2, attempt: 2 }), 'failed', now)).toEqual({ to: 'failed' });
  });

  it('runs a tick that came due during the run at once with queue-one, and skips it with skip', () => {
    const owed = new Date('2030-01-01T10:00:00.000Z');
    const iteration = { taskType: 'iteration', cron: '* * * * *', nextRunAt: owed } as const;
    expect(planFinish(task({ ...iteration, overlapPolicy: 'queue-one' }), 'complete', now)).toEqual({
      to: 'wait-iteration-schedule',
      nextRunAt: owed,
      attempt: 0,
      queued: true,
    });
    expect(planFinish(task({ ...iteration, overlapPolicy: 'skip' }), 'complete', now)).toEqual({
      to: 'wait-iteration-schedule',
      nextRunAt: new Date('2030-01-01T10:01:00.000Z'),
      attempt: 0,
    });
  });

  it('queues nothing when the owed tick is still ahead, or past untilRun', () => {
    const ahead = new Date('2030-01-01T10:01:00.000Z');
    expect(
      planFinish(
        task({ taskType: 'iteration', cron: '* * * * *', nextRunAt: ahead, overlapPolicy: 'queue-one' }),
        'complete',
        now,
      ),
    ).toEqual({ to: 'wait-iteration-schedule', nextRunAt: ahead, attempt: 0 });
    const owed = new Date('2030-01-01T10:00:00.000Z');
    const untilAt = new Date('2030-01-01T09:59:59.000Z');
    expect(
      planFinish(
        task({
          taskType: 'iteration',
          cron: '* * * * *',
          nextRunAt: owed,
          untilAt,
          overlapPolicy: 'queue-one',
        }),
        'complete',
        now,
      ),
    ).toEqual({ to: 'complete' });
  });

  it('never retries a stopped run', () => {
    expect(planFinish(task({ maxRetries: 3 }), 'stopped', now)).toEqual({ to: 'stopped' });
  });
});

describe('retryDelayMs', () => {
  it('doubles per retry and stops at one hour', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(5, attempt))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(3600, 5)).toBe(3_600_000);
    expect(retryDelayMs(1000, 3)).toBe(3_600_000);
  });
});

describe('aggregateRuns', () => {
  const run = (
    id: number,
    status: BatchRun['status'],
    result: string | null = null,
    failedStep: number | null = null,
  ): BatchRun => ({
    id,
    agentKey: `a${id}`,
    status,
    result,
    failedStep,
  });

  it('is not done while a run is unfinished, and says how far the furthest got', () => {
    expect(aggregateRuns([run(1, 'hand-over'), run(2, 'hand-over')])).toEqual({
      done: false,
      progress: null,
    });
    expect(aggregateRuns([run(1, 'wait-exec'), run(2, 'hand-over')])).toEqual({
      done: false,
      progress: 'wait-exec',
    });
    expect(aggregateRuns([run(1, 'complete'), run(2, 'running')])).toEqual({
      done: false,
      progress: 'started',
    });
  });

  it('completes when every run completed, with each agent result', () => {
    expect(aggregateRuns([run(1, 'complete', 'x'), run(2, 'complete', 'y')])).toEqual({
      done: true,
      end: 'complete',
      result: JSON.stringify({ a1: 'x', a2: 'y' }),
      failedStep: null,
      isFailedRecover: false,
    });
  });

  it('fails when a run failed, and is stopped when a run was stopped', () => {
    expect(aggregateRuns([run(1, 'complete'), run(2, 'failed-recover', null, 2)])).toMatchObject({
      done: true,
      end: 'failed',
      failedStep: 2,
      isFailedRecover: true,
    });
    expect(aggregateRuns([run(1, 'failed'), run(2, 'stopped')])).toMatchObject({
      done: true,
      end: 'stopped',
    });
  });
});
