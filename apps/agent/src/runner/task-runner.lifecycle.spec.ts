import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunEvent } from './run-events';
import { TaskRunner } from './task-runner';
import {
  assignment,
  createHarness,
  FakeControls,
  type Harness,
  inline,
  isAlive,
  RecordingSink,
  waitUntil,
} from './testing/runner-harness';

async function readPid(file: string): Promise<number> {
  await waitUntil(() => existsSync(file), 5_000, `${file} never appeared`);
  let text = '';
  await waitUntil(
    async () => {
      text = (await readFile(file, 'utf8')).trim();
      return text !== '';
    },
    5_000,
    `${file} stayed empty`,
  );
  return Number(text);
}

async function expectGone(pid: number): Promise<void> {
  await waitUntil(async () => !(await isAlive(pid)), 3_000, `process ${pid} is still alive`);
}

describe('TaskRunner timeout, cancel and lifecycle', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(200);
  });
  afterEach(async () => {
    await h.close();
  });

  it('on timeout kills the whole process group, background children included, and runs nothing after', async () => {
    const pidFile = path.join(h.dir, 'child.pid');
    const a = assignment(
      [
        inline(1, 'TASK_RESULT=first'),
        inline(2, `sh -c 'sleep 600 & echo $! > ${pidFile}; wait'`),
        inline(3, `touch ${h.dir}/after`),
      ],
      { timeoutSeconds: 1 },
    );
    const began = Date.now();
    expect(h.runner.start(a)).toBe(true);
    const childPid = await readPid(pidFile);
    expect(await isAlive(childPid)).toBe(true);
    const end = await h.sink.waitForEnd(a.runId);
    expect(Date.now() - began).toBeLessThan(4_000);
    expect(end).toMatchObject({
      status: 'timeout',
      currentStep: 2,
      result: 'first',
      error: 'timed out after 1 s',
    });
    await expectGone(childPid);
    expect(existsSync(path.join(h.dir, 'after'))).toBe(false);
    expect(existsSync(path.join(h.workRoot, 'runs', String(a.runId)))).toBe(false);
    expect(h.runner.isRunning(a.runId)).toBe(false);
  });

  it('cancel stops the run as stopped and kills its processes', async () => {
    const pidFile = path.join(h.dir, 'sleep.pid');
    const a = assignment([
      inline(1, `sleep 30 & echo $! > ${pidFile}; wait`),
      inline(2, `touch ${h.dir}/after`),
    ]);
    expect(h.runner.start(a)).toBe(true);
    const pid = await readPid(pidFile);
    expect(h.runner.cancel(a.runId, 'canceled')).toBe(true);
    const end = await h.sink.waitForEnd(a.runId);
    expect(end).toMatchObject({ status: 'stopped', currentStep: 1, error: 'stopped on request' });
    await expectGone(pid);
    expect(existsSync(path.join(h.dir, 'after'))).toBe(false);
    expect(h.runner.cancel(a.runId, 'canceled')).toBe(false);
    expect(h.sink.statuses(a.runId).filter((s) => s.status === 'stopped')).toHaveLength(1);
  });

  it('cancel with reason timeout reports timeout', async () => {
    const a = assignment([inline(1, `echo go > ${h.dir}/go; sleep 30`)]);
    h.runner.start(a);
    await waitUntil(() => existsSync(path.join(h.dir, 'go')), 5_000, 'step never started');
    h.runner.cancel(a.runId, 'timeout');
    expect((await h.sink.waitForEnd(a.runId)).status).toBe('timeout');
  });

  it('sends SIGKILL after the grace period to a step that ignores SIGTERM', async () => {
    const pidFile = path.join(h.dir, 'stubborn.pid');
    const a = assignment([inline(1, `trap '' TERM; echo $$ > ${pidFile}; while :; do sleep 0.05; done`)]);
    h.runner.start(a);
    const pid = await readPid(pidFile);
    const cancelAt = Date.now();
    h.runner.cancel(a.runId, 'canceled');
    const end = await h.sink.waitForEnd(a.runId);
    expect(end.status).toBe('stopped');
    expect(Date.now() - cancelAt).toBeGreaterThanOrEqual(150); // it did wait for the grace period
    await expectGone(pid);
  });

  it('returns false from cancel for a run it does not have', () => {
    expect(h.runner.cancel(424242, 'canceled')).toBe(false);
  });

  it('refuses a run id that is running, finished, or remembered as finished', async () => {
    const a = assignment([inline(1, 'sleep 0.3; TASK_RESULT=once')]);
    expect(h.runner.start(a)).toBe(true);
    expect(h.runner.start(a)).toBe(false);
    expect(h.runner.runningCount()).toBe(1);
    await h.sink.waitForEnd(a.runId);
    expect(h.runner.start(a)).toBe(false);
    expect(h.sink.statuses(a.runId).filter((s) => s.status === 'started')).toHaveLength(1);

    h.runner.rememberFinished([77_001]);
    expect(h.runner.start(assignment([inline(1, 'true')], { runId: 77_001 }))).toBe(false);
    expect(h.sink.statuses(77_001)).toEqual([]);
  });

  it('after stopAcceptingWork refuses new runs and whenIdle waits for the running ones', async () => {
    const running = assignment([inline(1, 'sleep 0.3')]);
    h.runner.start(running);
    h.runner.stopAcceptingWork();
    expect(h.runner.start(assignment([inline(1, 'true')]))).toBe(false);
    await h.runner.whenIdle();
    expect(h.sink.final(running.runId)?.status).toBe('complete');
    expect(h.runner.runningCount()).toBe(0);
  });

  it('killAll stops every run, resolves once they ended, and refuses work afterwards', async () => {
    const one = assignment([inline(1, `echo > ${h.dir}/one; sleep 30`)]);
    const two = assignment([inline(1, `echo > ${h.dir}/two; sleep 30`)]);
    h.runner.start(one);
    h.runner.start(two);
    await waitUntil(
      () => existsSync(path.join(h.dir, 'one')) && existsSync(path.join(h.dir, 'two')),
      5_000,
      'steps never started',
    );
    await h.runner.killAll();
    expect(h.sink.final(one.runId)?.status).toBe('stopped');
    expect(h.sink.final(two.runId)?.status).toBe('stopped');
    expect(h.runner.runningCount()).toBe(0);
    expect(h.runner.start(assignment([inline(1, 'true')]))).toBe(false);
  });

  it('lists running runs with their progress', async () => {
    const a = assignment([inline(1, 'true'), inline(2, `echo > ${h.dir}/at2; sleep 30`)], {
      taskId: 5,
      name: 'lister',
    });
    h.runner.start(a);
    await waitUntil(() => existsSync(path.join(h.dir, 'at2')), 5_000, 'step 2 never started');
    expect(h.runner.runningRuns()).toEqual([
      {
        runId: a.runId,
        taskId: 5,
        name: 'lister',
        status: 'running',
        totalStepCount: 2,
        currentStep: 2,
        startedAt: expect.any(String),
        attempt: 1,
      },
    ]);
    h.runner.cancel(a.runId, 'canceled');
    await h.sink.waitForEnd(a.runId);
    expect(h.runner.runningRuns()).toEqual([]);
  });
});

describe('TaskRunner with a failing sink', () => {
  it('finishes the run when the sink throws, and logs the lost events', async () => {
    const statuses: RunEvent[] = [];
    const sink = new RecordingSink();
    sink.onEmit = (event) => {
      if (event.kind === 'log') throw new Error('queue full');
      statuses.push(event);
    };
    const errors: string[] = [];
    const workRoot = await mkdtemp(path.join(tmpdir(), 'outpost-runner-'));
    const runner = new TaskRunner({
      workRoot,
      sink,
      controls: new FakeControls(),
      killGraceMs: 200,
      logger: { info: () => undefined, warn: () => undefined, error: (m) => errors.push(m) },
    });
    const a = assignment([inline(1, 'echo noisy; echo noisier >&2; TASK_RESULT=done')]);
    runner.start(a);
    await runner.whenIdle();
    expect(sink.final(a.runId)).toMatchObject({ status: 'complete', result: 'done' });
    expect(errors.some((m) => m.includes('could not queue a log event'))).toBe(true);
    await rm(workRoot, { recursive: true, force: true });
  });
});
