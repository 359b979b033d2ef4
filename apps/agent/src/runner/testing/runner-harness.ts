import { type Assignment } from '@outpost/shared';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AgentControls, type AgentLogLevel, type RunEvent, type RunSink } from '../run-events';
import { TaskRunner } from '../task-runner';

/** Test helpers for the runner (no test framework inside, so it builds with the rest). */

type Step = Assignment['task']['steps'][number];
type StatusEvent = Extract<RunEvent, { kind: 'status' }>;
type LogEvent = Extract<RunEvent, { kind: 'log' }>;

const TERMINAL = new Set(['complete', 'failed', 'failed-recover', 'stopped', 'timeout']);

export function inline(seq: number, command: string, isRecover = false): Step {
  return { seq, commandName: `step-${seq}`, commandType: 'inline', command, isRecover };
}

export function reserved(seq: number, command: string): Step {
  return { seq, commandName: command, commandType: 'reserved', command, isRecover: false };
}

let nextRunId = 1000;

export function assignment(
  steps: Step[],
  overrides: {
    runId?: number;
    taskId?: number;
    name?: string;
    parameter?: string;
    timeoutSeconds?: number;
    showLog?: boolean;
    credentials?: Record<string, string>;
  } = {},
): Assignment {
  const runId = overrides.runId ?? nextRunId++;
  return {
    runId,
    taskId: overrides.taskId ?? runId + 100_000,
    zoneId: 1,
    agentKey: 'agent-under-test',
    attempt: 1,
    epoch: 1,
    task: {
      name: overrides.name ?? `task-${runId}`,
      taskType: 'atOnce',
      parameter: overrides.parameter ?? '',
      timeoutSeconds: overrides.timeoutSeconds ?? 0,
      showLog: overrides.showLog ?? true,
      cron: null,
      timeZone: 'UTC',
      untilRun: null,
      steps,
    },
    credentials: overrides.credentials ?? {},
  };
}

/** Records every event; tests wait on it. `onEmit` lets a test look at the runner at emit time. */
export class RecordingSink implements RunSink {
  readonly events: RunEvent[] = [];
  onEmit: ((event: RunEvent) => void) | null = null;

  emit(event: RunEvent): void {
    this.events.push(event);
    this.onEmit?.(event);
  }

  statuses(runId: number): StatusEvent[] {
    return this.events.filter((e): e is StatusEvent => e.kind === 'status' && e.runId === runId);
  }

  logs(runId: number, stream?: LogEvent['stream']): LogEvent[] {
    return this.events.filter(
      (e): e is LogEvent =>
        e.kind === 'log' && e.runId === runId && (stream === undefined || e.stream === stream),
    );
  }

  text(runId: number, stream: LogEvent['stream']): string {
    return this.logs(runId, stream)
      .map((e) => e.content)
      .join('');
  }

  final(runId: number): StatusEvent | undefined {
    return this.statuses(runId).find((e) => TERMINAL.has(e.status));
  }

  async waitForEnd(runId: number, timeoutMs = 10_000): Promise<StatusEvent> {
    await waitUntil(() => this.final(runId) !== undefined, timeoutMs, `run ${runId} did not end`);
    return this.final(runId) as StatusEvent;
  }
}

export class FakeControls implements AgentControls {
  level = 'info';
  logFile: string | null = null;
  readonly shutdowns: { mode: 'force' | 'graceful'; timeoutSeconds: number }[] = [];
  onShutdown: (() => void) | null = null;

  setLogLevel(level: AgentLogLevel): { before: string; current: string } {
    const before = this.level;
    this.level = level;
    return { before, current: level };
  }

  logFilePath(): string | null {
    return this.logFile;
  }

  shutdown(mode: 'force' | 'graceful', timeoutSeconds: number): void {
    this.onShutdown?.();
    this.shutdowns.push({ mode, timeoutSeconds });
  }
}

export interface Harness {
  runner: TaskRunner;
  sink: RecordingSink;
  controls: FakeControls;
  /** A scratch directory for files the scripts write (the run directory is removed after a run). */
  dir: string;
  workRoot: string;
  logs: string[];
  runToEnd(a: Assignment): Promise<StatusEvent>;
  close(): Promise<void>;
}

export async function createHarness(killGraceMs = 200): Promise<Harness> {
  const base = await mkdtemp(path.join(tmpdir(), 'outpost-runner-'));
  const workRoot = path.join(base, 'work');
  const dir = path.join(base, 'scratch');
  await mkdir(dir);
  const sink = new RecordingSink();
  const controls = new FakeControls();
  const logs: string[] = [];
  const logger = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
  };
  const runner = new TaskRunner({ workRoot, sink, controls, killGraceMs, logger });
  return {
    runner,
    sink,
    controls,
    dir,
    workRoot,
    logs,
    async runToEnd(a) {
      if (!runner.start(a)) throw new Error(`run ${a.runId} was refused`);
      return sink.waitForEnd(a.runId);
    },
    async close() {
      await runner.killAll();
      await rm(base, { recursive: true, force: true });
    },
  };
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message);
    await sleep(20);
  }
}

/**
 * Whether a pid is a live process. A zombie counts as gone: it is dead and only waits for init
 * (which, in some containers, reaps every few seconds).
 */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
