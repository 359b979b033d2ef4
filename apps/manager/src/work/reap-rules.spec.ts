import { describe, expect, it } from 'vitest';
import { isOverdue, judgeRun, TIMEOUT_GRACE_MS } from './reap-rules';

const now = new Date('2030-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const settings = { heartbeatTimeoutMs: 60_000 };
const run = (status: string, overrides: Record<string, Date | null> = {}) =>
  ({ status, heartbeatAt: ago(1_000), updatedAt: ago(1_000), startedAt: ago(1_000), ...overrides }) as never;
const noTimeout = { timeoutSeconds: 0 };

describe('judgeRun', () => {
  it('hands out again a run its gone agent never accepted', () => {
    for (const state of ['offline', 'retired', null] as const) {
      expect(judgeRun(run('hand-over'), noTimeout, state, now, settings)).toMatchObject({
        kind: 'unstarted',
      });
    }
  });

  it('fails, never hands out again, a run its gone agent accepted: it may have started', () => {
    for (const state of ['offline', 'retired', null] as const) {
      expect(judgeRun(run('wait-exec'), noTimeout, state, now, settings)).toMatchObject({
        kind: 'end',
        to: 'failed',
        error: expect.stringContaining('after accepting the run, before reporting it started'),
      });
    }
  });

  it('fails an accepted run that never reported started within the heartbeat timeout', () => {
    const stuck = run('wait-exec', { heartbeatAt: null, startedAt: null, updatedAt: ago(60_001) });
    expect(judgeRun(stuck, noTimeout, 'online', now, settings)).toMatchObject({ kind: 'end', to: 'failed' });
    const fresh = run('wait-exec', { heartbeatAt: null, startedAt: null, updatedAt: ago(59_000) });
    expect(judgeRun(fresh, noTimeout, 'online', now, settings)).toBeNull();
  });

  it('fails an executing run of a gone agent as agent lost', () => {
    expect(judgeRun(run('running'), noTimeout, 'offline', now, settings)).toEqual({
      kind: 'end',
      to: 'failed',
      error: 'agent lost: its agent went offline while the run was executing',
    });
  });

  it('leaves the runs of online and suspect agents alone while they send heartbeats', () => {
    expect(judgeRun(run('hand-over'), noTimeout, 'suspect', now, settings)).toBeNull();
    expect(
      judgeRun(run('running', { heartbeatAt: ago(60_000) }), noTimeout, 'online', now, settings),
    ).toBeNull();
  });

  it('fails an executing run whose heartbeat and last report are older than the timeout', () => {
    const silent = run('started', { heartbeatAt: ago(60_001), updatedAt: ago(70_000) });
    expect(judgeRun(silent, noTimeout, 'online', now, settings)).toEqual({
      kind: 'end',
      to: 'failed',
      error: 'agent lost: no heartbeat for 60 s',
    });
    // A status report is a sign of life too.
    const reported = run('running', { heartbeatAt: ago(70_000), updatedAt: ago(5_000) });
    expect(judgeRun(reported, noTimeout, 'online', now, settings)).toBeNull();
    // Never heartbeated: judged from its last status change.
    expect(
      judgeRun(
        run('recovering', { heartbeatAt: null, updatedAt: ago(60_001) }),
        noTimeout,
        'online',
        now,
        settings,
      ),
    ).toMatchObject({ to: 'failed' });
  });

  it('times a run out after its task timeout plus the grace, not before', () => {
    const timeout = { timeoutSeconds: 10 };
    const started = (ms: number) => run('running', { startedAt: ago(ms) });
    expect(judgeRun(started(10_000 + TIMEOUT_GRACE_MS), timeout, 'online', now, settings)).toBeNull();
    expect(judgeRun(started(10_001 + TIMEOUT_GRACE_MS), timeout, 'online', now, settings)).toMatchObject({
      kind: 'end',
      to: 'timeout',
    });
    expect(isOverdue({ startedAt: ago(3_600_000), updatedAt: now }, 0, now)).toBe(false);
  });

  it('never judges a finished run', () => {
    expect(judgeRun(run('complete'), noTimeout, null, now, settings)).toBeNull();
  });
});
