import { type reportableStatuses } from '@outpost/shared';

/** The statuses a run can report (the agent protocol's list). */
export type ReportableStatus = (typeof reportableStatuses)[number];

/**
 * What the runner emits. The daemon's durable queue gives each event its (runId, seq) key and its
 * time; the runner only decides content and order.
 */
export type RunEvent =
  | {
      kind: 'status';
      runId: number;
      status: ReportableStatus;
      currentStep: number;
      failedStep: number | null;
      result: string | null;
      error: string | null;
    }
  | {
      kind: 'log';
      runId: number;
      stepSeq: number | null;
      stream: 'stdout' | 'stderr' | 'system';
      content: string;
    };

export type StatusEvent = Extract<RunEvent, { kind: 'status' }>;
export type LogStream = Extract<RunEvent, { kind: 'log' }>['stream'];

/** Synchronous; the runner guards every call, so a throwing sink cannot break a run. */
export interface RunSink {
  emit(event: RunEvent): void;
}

export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What reserved commands need from the agent process; the daemon implements it. */
export interface AgentControls {
  setLogLevel(level: AgentLogLevel): { before: string; current: string };
  /** The agent's own log file (CollectAgentLog), or null when it logs only to the console. */
  logFilePath(): string | null;
  shutdown(mode: 'force' | 'graceful', timeoutSeconds: number): void;
}

export interface RunnerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerOptions {
  /** Run directories live in `<workRoot>/runs/<runId>/`. */
  workRoot: string;
  sink: RunSink;
  controls: AgentControls;
  /** Between SIGTERM and SIGKILL when a step's process group is stopped. Default 5000. */
  killGraceMs?: number;
  logger: RunnerLogger;
  now?: () => Date;
  /**
   * Environment the step shells start from. Default: the agent's own environment without its
   * `OUTPOST_*` settings (they may point at the agent's credential).
   */
  baseEnv?: Readonly<Record<string, string | undefined>>;
}

/** One entry of `TaskRunner.runningRuns()` (also the source of GetAgentsRunningTasks). */
export interface RunningRun {
  runId: number;
  taskId: number;
  name: string;
  status: string;
  totalStepCount: number;
  currentStep: number;
  startedAt: string;
  attempt: number;
}
