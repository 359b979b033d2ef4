import type { Assignment, LogReport, StatusReport } from '@outpost/shared';
import type { LogLevel, Logger } from '../log/logger';

/** What the task runner (src/runner) tells the agent about a run; the agent queues it for the manager. */
export type RunEvent =
  | {
      kind: 'status';
      runId: number;
      status: StatusReport['status'];
      currentStep: number;
      failedStep: number | null;
      result: string | null;
      error: string | null;
    }
  | { kind: 'log'; runId: number; stepSeq: number | null; stream: LogReport['stream']; content: string };

export interface RunSink {
  emit(event: RunEvent): void;
}

/** Agent-level actions that reserved commands (ChangeLogLevel, GetAgentLog, Shutdown) may take. */
export interface AgentControls {
  setLogLevel(level: LogLevel): { before: LogLevel; current: LogLevel };
  logFilePath(): string | null;
  shutdown(mode: 'force' | 'graceful', timeoutSeconds: number): void;
}

/** The slice of TaskRunner (src/runner) that the daemon uses; tests plug a fake in through it. */
export interface RunnerPort {
  start(assignment: Assignment): boolean;
  cancel(runId: number, reason: 'canceled' | 'timeout'): boolean;
  isRunning(runId: number): boolean;
  runningRuns(): ReadonlyArray<{ runId: number }>;
  runningCount(): number;
  stopAcceptingWork(): void;
  whenIdle(): Promise<void>;
  killAll(): Promise<void>;
  rememberFinished(runIds: number[]): void;
}

export interface RunnerDeps {
  workRoot: string;
  sink: RunSink;
  controls: AgentControls;
  logger: Logger;
}

export type RunnerFactory = (deps: RunnerDeps) => RunnerPort;

/** Statuses after which the agent no longer holds the run (an iteration run ends in wait-iteration-schedule). */
export const runEndingStatuses: ReadonlySet<StatusReport['status']> = new Set([
  'complete',
  'failed',
  'failed-recover',
  'stopped',
  'timeout',
  'wait-iteration-schedule',
]);
