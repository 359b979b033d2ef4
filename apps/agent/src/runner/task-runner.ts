import { type Assignment } from '@outpost/shared';
import { clipError } from './limits';
import { splitChunk } from './log-chunker';
import { type ReservedContext } from './reserved-steps';
import { executeRun, stopped, type StatusFields } from './run-execution';
import {
  type AgentControls,
  type LogStream,
  type RunEvent,
  type RunnerLogger,
  type RunnerOptions,
  type RunningRun,
  type RunSink,
} from './run-events';
import { RunHandle, type StopReason } from './run-handle';

const DEFAULT_KILL_GRACE_MS = 5_000;
/** Finished run ids kept to refuse re-deliveries; the oldest are forgotten beyond this. */
const FINISHED_MEMORY = 100_000;
const LOG_MAX_CHARS = 32_768;

/**
 * Runs assignments: each run once, its steps in order, its output streamed as masked log events,
 * its processes in their own group so a cancel, a timeout or a force shutdown kills all of them.
 * The daemon feeds it assignments and cancels and queues what it emits.
 */
export class TaskRunner {
  private readonly active = new Map<number, RunHandle>();
  private readonly finished = new Set<number>();
  private readonly idleWaiters: (() => void)[] = [];
  private accepting = true;
  private readonly sink: RunSink;
  private readonly controls: AgentControls;
  private readonly logger: RunnerLogger;
  private readonly killGraceMs: number;
  private readonly now: () => Date;
  private readonly workRoot: string;
  private readonly baseEnv: Readonly<Record<string, string | undefined>>;

  constructor(options: RunnerOptions) {
    this.sink = options.sink;
    this.controls = options.controls;
    this.logger = options.logger;
    this.workRoot = options.workRoot;
    this.killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.now = options.now ?? (() => new Date());
    this.baseEnv = options.baseEnv ?? process.env;
  }

  /** False (and nothing runs) when the run id is running or finished, or work is no longer accepted. */
  start(assignment: Assignment): boolean {
    const { runId } = assignment;
    if (!this.accepting || this.active.has(runId) || this.finished.has(runId)) return false;
    const run = new RunHandle(assignment, this.now().toISOString(), this.killGraceMs);
    this.active.set(runId, run);
    this.logger.info(`run ${runId} of task ${assignment.taskId} started (attempt ${assignment.attempt})`);
    this.emitStatus(run, { status: 'started', currentStep: 1, failedStep: null, result: null, error: null });
    const { timeoutSeconds } = assignment.task;
    if (timeoutSeconds > 0) run.armTimeout(timeoutSeconds * 1000, () => this.stop(run, 'timeout'));
    void this.execute(run);
    return true;
  }

  /** Stops a run: its step's whole process group is killed (TERM, grace, KILL) and nothing else runs. */
  cancel(runId: number, reason: 'canceled' | 'timeout'): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    this.stop(run, reason);
    return true;
  }

  isRunning(runId: number): boolean {
    return this.active.has(runId);
  }

  runningRuns(): RunningRun[] {
    return [...this.active.values()].map((run) => run.view());
  }

  runningCount(): number {
    return this.active.size;
  }

  /** Graceful shutdown: `start()` refuses everything from now on; running runs go on. */
  stopAcceptingWork(): void {
    this.accepting = false;
  }

  whenIdle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Force shutdown: refuses new work, stops every run (each reports `stopped`) and resolves when all ended. */
  async killAll(): Promise<void> {
    this.accepting = false;
    for (const run of this.active.values()) this.stop(run, 'canceled');
    await this.whenIdle();
  }

  /** Run ids the daemon knows finished (from its state dir): `start()` refuses them. */
  rememberFinished(runIds: number[]): void {
    for (const runId of runIds) {
      this.finished.delete(runId);
      this.finished.add(runId);
    }
    for (const oldest of this.finished) {
      if (this.finished.size <= FINISHED_MEMORY) break;
      this.finished.delete(oldest);
    }
  }

  private stop(run: RunHandle, reason: StopReason): void {
    if (run.stopReason !== null) return;
    this.logger.info(
      `run ${run.runId}: ${reason === 'timeout' ? 'timed out' : 'stop requested'}; stopping its processes`,
    );
    run.requestStop(reason);
  }

  private async execute(run: RunHandle): Promise<void> {
    let end: StatusFields;
    try {
      end = await executeRun(run, {
        workRoot: this.workRoot,
        killGraceMs: this.killGraceMs,
        baseEnv: this.baseEnv,
        logger: this.logger,
        emitStatus: (target, fields) => this.emitStatus(target, fields),
        emitLog: (target, stepSeq, stream, content) => this.emitLog(target, stepSeq, stream, content),
        reservedContext: (target) => this.reservedContext(target),
      });
    } catch (error) {
      // executeRun turns step failures into outcomes; reaching this is a bug, still reported.
      this.logger.error(
        `run ${run.runId}: internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
      end = {
        status: 'failed',
        currentStep: run.currentStep,
        failedStep: null,
        result: null,
        error: 'internal error in the agent runner',
      };
    }
    await run.settled();
    this.finish(run, end);
  }

  /** One synchronous block: a cancel that got `true` always ends the run as stopped/timeout. */
  private finish(run: RunHandle, outcome: StatusFields): void {
    run.clearTimeout();
    let end = outcome;
    if (run.stopReason !== null && end.status !== 'stopped' && end.status !== 'timeout') {
      end = stopped(run, end.result, end.failedStep);
    }
    if (end.status === 'stopped' || end.status === 'timeout') {
      this.emitLog(run, null, 'system', `${end.error ?? end.status}; the run's processes were stopped`);
    }
    this.emitStatus(run, end);
    this.active.delete(run.runId);
    this.rememberFinished([run.runId]);
    this.logger.info(`run ${run.runId} of task ${run.assignment.taskId} ended: ${end.status}`);
    if (this.active.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    if (run.shutdownRequest) {
      const { mode, timeoutSeconds } = run.shutdownRequest;
      try {
        this.controls.shutdown(mode, timeoutSeconds);
      } catch (error) {
        this.logger.error(
          `run ${run.runId}: ${mode} shutdown failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  private reservedContext(run: RunHandle): ReservedContext {
    return {
      runId: run.runId,
      controls: this.controls,
      runningRuns: () => this.runningRuns(),
      stopTask: (taskId, exceptRunId) => {
        let found = false;
        for (const target of this.active.values()) {
          if (target.assignment.taskId !== taskId || target.runId === exceptRunId) continue;
          this.stop(target, 'canceled');
          found = true;
        }
        return found;
      },
      requestShutdown: (mode, timeoutSeconds) => {
        run.shutdownRequest = { mode, timeoutSeconds };
      },
    };
  }

  private emitStatus(run: RunHandle, fields: StatusFields): void {
    run.status = fields.status;
    const error = fields.error === null ? null : clipError(run.masker.mask(fields.error));
    this.emit({
      kind: 'status',
      runId: run.runId,
      ...fields,
      result: run.masker.maskNullable(fields.result),
      error,
    });
  }

  private emitLog(run: RunHandle, stepSeq: number | null, stream: LogStream, content: string): void {
    // Output chunks are masked by their chunker already; system lines are masked here.
    const text = stream === 'system' ? run.masker.mask(content) : content;
    for (const piece of splitChunk(text, LOG_MAX_CHARS))
      this.emit({ kind: 'log', runId: run.runId, stepSeq, stream, content: piece });
  }

  /** The sink is the daemon's queue; whatever it throws must not stop a run half-way. */
  private emit(event: RunEvent): void {
    try {
      this.sink.emit(event);
    } catch (error) {
      try {
        this.logger.error(
          `run ${event.runId}: could not queue a ${event.kind} event: ${error instanceof Error ? error.message : String(error)}`,
        );
      } catch {
        // The logger failed too; nothing more can be done about one event.
      }
    }
  }
}
