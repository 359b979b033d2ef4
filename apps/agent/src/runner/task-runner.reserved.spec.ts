import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assignment,
  createHarness,
  type Harness,
  inline,
  reserved,
  waitUntil,
} from './testing/runner-harness';

describe('TaskRunner reserved commands', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  async function startSleeper(taskId: number, name = 'sleeper') {
    const marker = path.join(h.dir, `sleeper-${taskId}`);
    const a = assignment([inline(1, `echo > ${marker}; sleep 30`)], { taskId, name });
    expect(h.runner.start(a)).toBe(true);
    await waitUntil(() => existsSync(marker), 5_000, 'sleeper never started');
    return a;
  }

  it('StopTask stops the running runs of the target task and answers SUCCESS', async () => {
    const target = await startSleeper(50);
    const end = await h.runToEnd(assignment([reserved(1, 'StopTask')], { parameter: '{"targetTaskId":50}' }));
    expect(end).toMatchObject({ status: 'complete', result: '{"stopTaskResult":"SUCCESS"}' });
    expect((await h.sink.waitForEnd(target.runId)).status).toBe('stopped');
  });

  it('StopTask answers NOT_EXIST when no run of the target task is running here', async () => {
    const other = await startSleeper(51);
    const end = await h.runToEnd(
      assignment([reserved(1, 'StopTask')], { parameter: '{"targetTaskId":999}' }),
    );
    expect(end).toMatchObject({ status: 'complete', result: '{"stopTaskResult":"NOT_EXIST"}' });
    expect(h.runner.isRunning(other.runId)).toBe(true);
  });

  it('StopTask takes its target from a credential placeholder', async () => {
    const target = await startSleeper(52);
    const end = await h.runToEnd(
      assignment([reserved(1, 'StopTask')], {
        parameter: '{"targetTaskId":{{TARGET}}}',
        credentials: { TARGET: '52' },
      }),
    );
    expect(end.result).toBe('{"stopTaskResult":"SUCCESS"}');
    expect((await h.sink.waitForEnd(target.runId)).status).toBe('stopped');
  });

  it('ChangeLogLevel sets the level through the controls and returns before/current', async () => {
    const end = await h.runToEnd(
      assignment([reserved(1, 'ChangeLogLevel')], { parameter: '{"level":"DEBUG"}' }),
    );
    expect(end).toMatchObject({ status: 'complete', result: '{"before":"info","current":"debug"}' });
    expect(h.controls.level).toBe('debug');
  });

  it('ChangeLogLevel with an invalid level fails the step cleanly and changes nothing', async () => {
    const end = await h.runToEnd(
      assignment([reserved(1, 'ChangeLogLevel')], { parameter: '{"level":"LOUD"}' }),
    );
    expect(end).toMatchObject({ status: 'failed', failedStep: 1, result: null });
    expect(end.error).toMatch(/^ChangeLogLevel: invalid parameter: level: /);
    expect(h.controls.level).toBe('info');
  });

  it('a parameter that is not JSON fails the step without echoing it', async () => {
    const end = await h.runToEnd(
      assignment([reserved(1, 'ChangeLogLevel')], {
        parameter: 'level={{PW}}',
        credentials: { PW: 'cant-see-me' },
      }),
    );
    expect(end).toMatchObject({ status: 'failed', error: 'ChangeLogLevel: the parameter is not valid JSON' });
  });

  it('CollectAgentLog returns the newest or oldest maxBytes and says when it cut', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join(''); // 4000 bytes
    h.controls.logFile = path.join(h.dir, 'agent.log');
    await writeFile(h.controls.logFile, lines);

    const latest = await h.runToEnd(
      assignment([reserved(1, 'CollectAgentLog')], { parameter: '{"sort":"LATEST","maxBytes":1024}' }),
    );
    expect(JSON.parse(latest.result!)).toEqual({ logs: lines.slice(-1024), truncated: true });

    const oldest = await h.runToEnd(
      assignment([reserved(1, 'CollectAgentLog')], { parameter: '{"sort":"OLDEST","maxBytes":1024}' }),
    );
    expect(JSON.parse(oldest.result!)).toEqual({ logs: lines.slice(0, 1024), truncated: true });

    const whole = await h.runToEnd(assignment([reserved(1, 'CollectAgentLog')], { parameter: '' }));
    expect(JSON.parse(whole.result!)).toEqual({ logs: lines, truncated: false });
  });

  it('CollectAgentLog fails cleanly when the agent has no log file', async () => {
    const end = await h.runToEnd(assignment([reserved(1, 'CollectAgentLog')]));
    expect(end).toMatchObject({ status: 'failed', error: 'CollectAgentLog: this agent writes no log file' });
  });

  it('GetAgentsRunningTasks lists the running tasks, itself included', async () => {
    const sleeper = await startSleeper(60, 'sleeper');
    const lister = assignment([reserved(1, 'GetAgentsRunningTasks')], { taskId: 61, name: 'lister' });
    const end = await h.runToEnd(lister);
    expect(end.status).toBe('complete');
    const { runningTasks } = JSON.parse(end.result!) as {
      runningTasks: { id: number; name: string; status: string }[];
    };
    expect(runningTasks).toEqual(
      expect.arrayContaining([
        {
          id: 60,
          name: 'sleeper',
          status: 'started',
          totalStepCount: 1,
          currentStep: 1,
          startedAt: expect.any(String),
          iterationCount: 0,
        },
        expect.objectContaining({ id: 61, name: 'lister' }),
      ]),
    );
    expect(runningTasks).toHaveLength(2);
    h.runner.cancel(sleeper.runId, 'canceled');
  });

  it('an unknown reserved command fails the step cleanly', async () => {
    const end = await h.runToEnd(assignment([reserved(1, 'FormatDisk')]));
    expect(end).toMatchObject({
      status: 'failed',
      failedStep: 1,
      error: 'unknown reserved command "FormatDisk"',
    });
  });

  it('masks credential values in the error too', async () => {
    const end = await h.runToEnd(
      assignment([reserved(1, 'leaked-secret-name')], { credentials: { X: 'leaked-secret-name' } }),
    );
    expect(end.error).toBe('unknown reserved command "***"');
  });

  it('ForceShutdownAgent reports complete first, then calls shutdown(force, 0)', async () => {
    const a = assignment([reserved(1, 'ForceShutdownAgent')]);
    let seenAtShutdown: { final: string | undefined; running: boolean } | null = null;
    h.controls.onShutdown = () => {
      seenAtShutdown = { final: h.sink.final(a.runId)?.status, running: h.runner.isRunning(a.runId) };
    };
    await h.runToEnd(a);
    await waitUntil(() => h.controls.shutdowns.length > 0, 2_000, 'no shutdown');
    expect(h.controls.shutdowns).toEqual([{ mode: 'force', timeoutSeconds: 0 }]);
    expect(seenAtShutdown).toEqual({ final: 'complete', running: false });
    expect(h.sink.final(a.runId)?.result).toBe('{}');
  });

  it('GracefulShutdownAgent completes the run, then calls shutdown(graceful, timeoutSeconds)', async () => {
    const a = assignment([reserved(1, 'GracefulShutdownAgent')], { parameter: '{"timeoutSeconds":7}' });
    let finalAtShutdown: string | undefined;
    h.controls.onShutdown = () => {
      finalAtShutdown = h.sink.final(a.runId)?.status;
    };
    await h.runToEnd(a);
    await waitUntil(() => h.controls.shutdowns.length > 0, 2_000, 'no shutdown');
    expect(h.controls.shutdowns).toEqual([{ mode: 'graceful', timeoutSeconds: 7 }]);
    expect(finalAtShutdown).toBe('complete');
  });

  it('mixes reserved and inline steps, passing the reserved result on as TASK_RESULT', async () => {
    const end = await h.runToEnd(
      assignment([reserved(1, 'StopTask'), inline(2, 'TASK_RESULT="got:$TASK_RESULT"')], {
        parameter: '{"targetTaskId":404}',
      }),
    );
    expect(end.result).toBe('got:{"stopTaskResult":"NOT_EXIST"}');
  });
});
