import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignment, createHarness, type Harness, inline, isAlive } from './testing/runner-harness';

describe('TaskRunner inline steps', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('chains TASK_RESULT through three steps and reports progress after each non-final step', async () => {
    const a = assignment([
      inline(1, 'TASK_RESULT="${TASK_RESULT}1"'),
      inline(2, 'TASK_RESULT="$TASK_RESULT-2"'),
      inline(3, 'TASK_RESULT="$TASK_RESULT-3"'),
    ]);
    const end = await h.runToEnd(a);
    expect(end).toMatchObject({
      status: 'complete',
      currentStep: 3,
      failedStep: null,
      result: '1-2-3',
      error: null,
    });
    expect(h.sink.statuses(a.runId).map((s) => [s.status, s.currentStep, s.result])).toEqual([
      ['started', 1, null],
      ['running', 2, '1'],
      ['running', 3, '1-2'],
      ['complete', 3, '1-2-3'],
    ]);
  });

  it('runs steps in seq order whatever the order they arrive in', async () => {
    const a = assignment([
      inline(3, 'TASK_RESULT="$TASK_RESULT-c"'),
      inline(1, 'TASK_RESULT=a'),
      inline(2, 'TASK_RESULT="$TASK_RESULT-b"'),
    ]);
    expect((await h.runToEnd(a)).result).toBe('a-b-c');
  });

  it('keeps a result byte for byte, stripping only the one newline the wrapper adds', async () => {
    const a = assignment([inline(1, "TASK_RESULT='line1\\n\nline2 \\\\ end\n'")]);
    expect((await h.runToEnd(a)).result).toBe('line1\\n\nline2 \\\\ end\n');
  });

  it('never executes shell syntax found in the parameter or in a previous result', async () => {
    const marker = (name: string) => path.join(h.dir, name);
    const parameter = `{"x":"$(touch ${marker('p1')})","y":"\`touch ${marker('p2')}\`","z":"\\"; touch ${marker('p3')}; \\""}`;
    const a = assignment(
      [
        inline(
          1,
          `printf '%s' "$TASK_ORIGIN_PARAM" > ${marker('seen-param')}; TASK_RESULT='$(touch ${marker('r1')})\`touch ${marker('r2')}\`'`,
        ),
        inline(2, `printf '%s' "$TASK_RESULT" > ${marker('seen-result')}`),
      ],
      { parameter },
    );
    const end = await h.runToEnd(a);
    expect(end.status).toBe('complete');
    expect(await readFile(marker('seen-param'), 'utf8')).toBe(parameter);
    expect(await readFile(marker('seen-result'), 'utf8')).toBe(
      `$(touch ${marker('r1')})\`touch ${marker('r2')}\``,
    );
    for (const name of ['p1', 'p2', 'p3', 'r1', 'r2']) expect(existsSync(marker(name)), name).toBe(false);
  });

  it('gives each credential as an environment variable and replaces {{KEY}} in the parameter', async () => {
    const credentials = { DB_PASSWORD: 'pa$$ "w0rd" `x`', API_USER: 'svc-user' };
    const a = assignment(
      [
        inline(
          1,
          `printf '%s|%s' "$DB_PASSWORD" "$API_USER" > ${h.dir}/env.txt; printf '%s' "$TASK_ORIGIN_PARAM" > ${h.dir}/param.txt`,
        ),
      ],
      { credentials, parameter: '{"u":"{{API_USER}}","p":"{{DB_PASSWORD}}","keep":"{{NOT_A_KEY}}"}' },
    );
    expect((await h.runToEnd(a)).status).toBe('complete');
    expect(await readFile(path.join(h.dir, 'env.txt'), 'utf8')).toBe('pa$$ "w0rd" `x`|svc-user');
    expect(await readFile(path.join(h.dir, 'param.txt'), 'utf8')).toBe(
      '{"u":"svc-user","p":"pa$$ "w0rd" `x`","keep":"{{NOT_A_KEY}}"}',
    );
  });

  it('masks credential values in logs and in the result, also when a value is split across two reads', async () => {
    const secret = 'hunter2-very-secret';
    const a = assignment(
      [
        inline(
          1,
          // The pause is longer than the flush interval, so the first half would go out alone.
          `printf 'before hunter2-ve'; sleep 0.4; printf 'ry-secret after\\n'; echo "stderr $DB_PASSWORD" >&2; TASK_RESULT="r=$DB_PASSWORD"`,
        ),
      ],
      { credentials: { DB_PASSWORD: secret } },
    );
    const end = await h.runToEnd(a);
    expect(end.result).toBe('r=***');
    const stdout = h.sink.logs(a.runId, 'stdout');
    expect(stdout.length).toBeGreaterThan(0);
    for (const e of h.sink.logs(a.runId)) {
      expect(e.content).not.toContain('hunter2');
      expect(e.content).not.toContain('ry-secret');
    }
    expect(h.sink.text(a.runId, 'stdout')).toBe('before *** after\n');
    expect(h.sink.text(a.runId, 'stderr')).toBe('stderr ***\n');
  });

  it('streams large output in bounded chunks, losing nothing', async () => {
    const a = assignment([inline(1, 'seq 1 100000; echo "$TOKEN"; seq 1 1000')], {
      credentials: { TOKEN: 'tok-abcdef' },
    });
    expect((await h.runToEnd(a)).status).toBe('complete');
    const chunks = h.sink.logs(a.runId, 'stdout');
    const expected = `${Array.from({ length: 100000 }, (_, i) => i + 1).join('\n')}\n***\n${Array.from({ length: 1000 }, (_, i) => i + 1).join('\n')}\n`;
    expect(h.sink.text(a.runId, 'stdout')).toBe(expected);
    expect(Math.max(...chunks.map((c) => c.content.length))).toBeLessThanOrEqual(16_384);
    expect(chunks.length).toBeGreaterThan(30);
    expect(chunks.filter((c) => !c.content.endsWith('\n')).length).toBeLessThanOrEqual(1);
  });

  it('hides stdout when showLog is false but always keeps stderr', async () => {
    const script = 'echo out-line; echo err-line >&2';
    const hidden = assignment([inline(1, script)], { showLog: false });
    const shown = assignment([inline(1, script)], { showLog: true });
    await h.runToEnd(hidden);
    await h.runToEnd(shown);
    expect(h.sink.logs(hidden.runId, 'stdout')).toEqual([]);
    expect(h.sink.text(hidden.runId, 'stderr')).toBe('err-line\n');
    expect(h.sink.text(shown.runId, 'stdout')).toBe('out-line\n');
    expect(h.sink.text(shown.runId, 'stderr')).toBe('err-line\n');
  });

  it('streams output while the step still runs', async () => {
    const a = assignment([inline(1, 'echo early; sleep 1')]);
    const startedAt = Date.now();
    let firstLog: { at: number; running: boolean; statusesBefore: number } | null = null;
    h.sink.onEmit = (event) => {
      if (event.kind === 'log' && event.stream === 'stdout' && firstLog === null) {
        firstLog = {
          at: Date.now() - startedAt,
          running: h.runner.isRunning(a.runId),
          statusesBefore: h.sink.statuses(a.runId).length,
        };
      }
    };
    await h.runToEnd(a);
    expect(firstLog).not.toBeNull();
    expect(firstLog).toMatchObject({ running: true, statusesBefore: 1 }); // only `started` before it
    expect(firstLog!.at).toBeLessThan(900);
  });

  it('fails on the first failing step without running the next ones (no recover step)', async () => {
    const a = assignment([
      inline(1, 'TASK_RESULT=one'),
      inline(2, 'echo boom >&2; exit 3'),
      inline(3, `touch ${h.dir}/step3-ran`),
    ]);
    const end = await h.runToEnd(a);
    expect(end).toMatchObject({
      status: 'failed',
      currentStep: 2,
      failedStep: 2,
      result: 'one',
      error: 'exit code 3',
    });
    expect(h.sink.statuses(a.runId).map((s) => s.status)).toEqual(['started', 'running', 'failed']);
    expect(existsSync(path.join(h.dir, 'step3-ran'))).toBe(false);
    expect(h.sink.text(a.runId, 'stderr')).toBe('boom\n');
    expect(h.sink.text(a.runId, 'system')).toContain('step 2 failed: exit code 3');
  });

  it('fails a step whose last command fails, even without an explicit exit', async () => {
    const end = await h.runToEnd(assignment([inline(1, 'TASK_RESULT=x; false')]));
    expect(end).toMatchObject({ status: 'failed', error: 'exit code 1' });
  });

  it('runs the recover step with the current result and ends failed with its result when it succeeds', async () => {
    const a = assignment([
      inline(1, 'TASK_RESULT=one'),
      inline(2, 'exit 3'),
      inline(3, `touch ${h.dir}/step3-ran`),
      inline(9, 'TASK_RESULT="recovered-from-$TASK_RESULT"', true),
    ]);
    const end = await h.runToEnd(a);
    expect(h.sink.statuses(a.runId).map((s) => [s.status, s.currentStep, s.failedStep])).toEqual([
      ['started', 1, null],
      ['running', 2, null],
      ['recovering', 9, 2],
      ['failed', 9, 2],
    ]);
    expect(end).toMatchObject({ result: 'recovered-from-one', error: 'exit code 3' });
    expect(existsSync(path.join(h.dir, 'step3-ran'))).toBe(false);
  });

  it('ends failed-recover when the recover step fails too', async () => {
    const a = assignment([inline(1, 'TASK_RESULT=one; exit 4'), inline(2, 'exit 5', true)]);
    const end = await h.runToEnd(a);
    expect(h.sink.statuses(a.runId).map((s) => s.status)).toEqual([
      'started',
      'recovering',
      'failed-recover',
    ]);
    expect(end).toMatchObject({ status: 'failed-recover', failedStep: 1, currentStep: 2, result: null });
    expect(end.error).toBe('exit code 4; recover step 2 failed: exit code 5');
  });

  it('reports a step killed by a signal', async () => {
    const end = await h.runToEnd(assignment([inline(1, 'kill -KILL $$')]));
    expect(end).toMatchObject({ status: 'failed', error: 'killed by SIGKILL' });
  });

  it('runs in a private 0700 directory that is removed after the run, also after a failure', async () => {
    const ok = assignment([inline(1, `stat -c %a . > ${h.dir}/mode; pwd > ${h.dir}/pwd`)]);
    await h.runToEnd(ok);
    const runDir = path.join(h.workRoot, 'runs', String(ok.runId));
    expect((await readFile(path.join(h.dir, 'mode'), 'utf8')).trim()).toBe('700');
    expect((await readFile(path.join(h.dir, 'pwd'), 'utf8')).trim()).toBe(runDir);
    expect(existsSync(runDir)).toBe(false);

    const bad = assignment([inline(1, 'touch leftover; exit 1')]);
    await h.runToEnd(bad);
    expect(existsSync(path.join(h.workRoot, 'runs', String(bad.runId)))).toBe(false);
  });

  it('stops what a step left running in the background when the step ends', async () => {
    const a = assignment([inline(1, `sleep 600 & echo $! > ${h.dir}/bg.pid`)]);
    expect((await h.runToEnd(a)).status).toBe('complete');
    const pid = Number(await readFile(path.join(h.dir, 'bg.pid'), 'utf8'));
    expect(await isAlive(pid)).toBe(false);
  });

  it('keeps the agent settings out of the step environment', async () => {
    const a = assignment([inline(1, 'TASK_RESULT="${OUTPOST_SECRET_FILE-unset}:${HOME-nohome}"')]);
    process.env.OUTPOST_SECRET_FILE = '/etc/agent-credential';
    try {
      expect((await h.runToEnd(a)).result).toBe(`unset:${process.env.HOME ?? 'nohome'}`);
    } finally {
      delete process.env.OUTPOST_SECRET_FILE;
    }
  });
});
