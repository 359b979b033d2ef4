import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogChunker } from './log-chunker';
import { processGroupAlive, terminateProcessGroup } from './process-group';
import { type LogStream } from './run-events';
import { type SecretMasker } from './secret-masker';
import { type StepOutcome } from './step-outcome';

/**
 * The shell that runs every inline step. It is constant text: the parameter and the previous
 * result arrive in files it reads into variables, so no value is ever parsed as shell code (Klevr
 * pasted them into the wrapper with only `"` escaped). The step's script is sourced, so assigning
 * TASK_RESULT returns a result (saved after the script, and by the EXIT trap when it calls `exit`).
 * The step's status is its script's: unlike Klevr's wrapper, a failing last command fails the step.
 */
export const STEP_WRAPPER = `# Written by the Outpost agent for one step; see inline-step.ts.
__outpost_out="$PWD/result.out"
TASK_ORIGIN_PARAM=$(cat ./param.in; printf x); TASK_ORIGIN_PARAM=\${TASK_ORIGIN_PARAM%x}
TASK_RESULT=$(cat ./result.in; printf x); TASK_RESULT=\${TASK_RESULT%x}
rm -f ./param.in ./result.in
export TASK_ORIGIN_PARAM TASK_RESULT
trap 'printf "%s\\n" "$TASK_RESULT" > "$__outpost_out"' EXIT
. ./step.sh
__outpost_rc=$?
printf '%s\\n' "$TASK_RESULT" > "$__outpost_out"
exit "$__outpost_rc"
`;

/** How long output pipes may stay open after the step's process group is gone (a `setsid` escapee). */
const PIPE_CLOSE_WAIT_MS = 1_000;

export interface InlineStepRequest {
  runDir: string;
  script: string;
  /** TASK_ORIGIN_PARAM, placeholders already replaced. */
  parameter: string;
  /** TASK_RESULT: the previous step's result. */
  previousResult: string;
  env: Record<string, string>;
  showLog: boolean;
  killGraceMs: number;
  masker: SecretMasker;
  /** Output chunks, already masked. */
  log(stream: LogStream, content: string): void;
  /** The step's process group id once it runs, null once it is gone; cancel and timeout kill it. */
  trackGroup(pgid: number | null): void;
  /** True once the run is being stopped: leftovers are then not worth a log line. */
  stopRequested(): boolean;
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null } | { spawnError: Error };

/**
 * Runs one inline step with /bin/sh in its own process group, cwd = the run directory, streaming
 * its output while it runs. Whatever the step leaves running in its group when it ends is stopped
 * too, so a run never leaks processes (start a daemon with `setsid` to keep it).
 */
export async function runInlineStep(request: InlineStepRequest): Promise<StepOutcome> {
  const { runDir } = request;
  await rm(path.join(runDir, 'result.out'), { force: true });
  await writeFile(path.join(runDir, 'wrapper.sh'), STEP_WRAPPER, { mode: 0o600 });
  await writeFile(path.join(runDir, 'step.sh'), request.script, { mode: 0o600 });
  await writeFile(path.join(runDir, 'param.in'), request.parameter, { mode: 0o600 });
  await writeFile(path.join(runDir, 'result.in'), request.previousResult, { mode: 0o600 });

  const child = spawn('/bin/sh', ['./wrapper.sh'], {
    cwd: runDir,
    env: request.env,
    detached: true, // a new process group: the whole step tree can be signalled at once
    stdio: ['ignore', request.showLog ? 'pipe' : 'ignore', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid !== undefined) request.trackGroup(pgid);

  const stdout = request.showLog
    ? new LogChunker(request.masker, (content) => request.log('stdout', content))
    : null;
  const stderr = new LogChunker(request.masker, (content) => request.log('stderr', content));
  const pipes = [drain(child.stdout, stdout), drain(child.stderr, stderr)];

  const exit = await waitForExit(child);
  if (pgid !== undefined) {
    if (!request.stopRequested() && (await processGroupAlive(pgid))) {
      request.log('system', 'stopping processes the step left running in its process group');
    }
    await terminateProcessGroup(pgid, request.killGraceMs);
  }
  await closePipes(child, pipes);
  stdout?.end();
  stderr.end();
  request.trackGroup(null);

  if ('spawnError' in exit) return { ok: false, error: `cannot start /bin/sh: ${exit.spawnError.message}` };
  if (exit.signal) return { ok: false, error: `killed by ${exit.signal}` };
  if (exit.code !== 0) return { ok: false, error: `exit code ${String(exit.code)}` };
  return { ok: true, result: await readResult(path.join(runDir, 'result.out')) };
}

function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // Without a pid the child never started and 'exit' never comes.
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ spawnError: error });
    });
  });
}

function drain(stream: Readable | null, chunker: LogChunker | null): Promise<void> {
  if (!stream) return Promise.resolve();
  const decoder = new StringDecoder('utf8'); // a multi-byte character may span two reads
  stream.on('data', (data: Buffer) => chunker?.write(decoder.write(data)));
  stream.on('error', () => undefined); // a destroyed pipe; the exit status tells the story
  return new Promise((resolve) => {
    stream.once('close', () => {
      chunker?.write(decoder.end());
      resolve();
    });
  });
}

async function closePipes(child: ChildProcess, pipes: Promise<void>[]): Promise<void> {
  const all = Promise.all(pipes);
  const timer = new AbortController();
  const closed = await Promise.race([
    all.then(() => true),
    sleep(PIPE_CLOSE_WAIT_MS, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  if (closed) return;
  child.stdout?.destroy();
  child.stderr?.destroy();
  await all;
}

async function readResult(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return ''; // the script replaced the EXIT trap and exited early: no result
  }
  await rm(file, { force: true });
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}
