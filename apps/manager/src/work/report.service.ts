import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  isTerminalTaskStatus,
  type LogReport,
  type ReportItem,
  type ReportOutcome,
  type ReportRequest,
  type ReportResponse,
  type StatusReport,
  type TaskStatus,
} from '@outpost/shared';
import type { AgentPrincipal } from '../common/auth/agent-principal';
import { Clock } from '../common/clock/clock';
import { EventBus } from '../common/messaging/event-bus';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { ElectionService } from '../election/election.service';
import { TransactionRunner } from '../database/transaction-runner';
import { toLeaseView } from '../election/zone-lease';
import { ManagerMetrics } from '../metrics/manager-metrics';
import { TaskEventsWriter } from '../tasks/task-events.writer';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import type { TaskEntity } from '../tasks/task.entity';
import { TasksRepository } from '../tasks/tasks.repository';
import { AgentSightings } from './agent-sightings';
import { WorkSignal } from './work-signal';
import { judgeRunReport, runProgress } from './run-status';
import { TaskDerivation } from './task-derivation';
import { HEARTBEAT_WRITE_INTERVAL_MS, WriteThrottle } from './write-throttle';
import { type RunChanges, type RunWithTask, WorkRepository } from './work.repository';

export { HEARTBEAT_WRITE_INTERVAL_MS } from './write-throttle';

type ItemKey = Pick<ReportOutcome, 'runId' | 'seq'>;

function rejected(key: ItemKey, code: string, message: string): ReportOutcome {
  return { ...key, outcome: 'rejected', code, message };
}

/**
 * Reports from the agents that run work: status and log items, each judged on its own (one bad
 * item never blocks the ones behind it — Klevr let one poison report wedge a zone), plus the
 * heartbeat of the runs still executing.
 *
 * The run is the record of what its agent reported; the task is derived from it in the same
 * transaction, through TaskTransitions: a one-run task follows its run, a multi-run task
 * summarises its delivery's runs, and a finished delivery schedules the next iteration, a retry,
 * or the final status.
 */
@Injectable()
export class ReportService {
  private readonly logger = new Logger('Reports');
  private readonly heartbeats = new WriteThrottle<string>(HEARTBEAT_WRITE_INTERVAL_MS);

  constructor(
    private readonly work: WorkRepository,
    private readonly tasks: TasksRepository,
    private readonly derivation: TaskDerivation,
    private readonly taskEvents: TaskEventsWriter,
    private readonly election: ElectionService,
    private readonly sightings: AgentSightings,
    private readonly signal: WorkSignal,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly metrics: ManagerMetrics,
  ) {}

  async report(caller: AgentPrincipal, request: ReportRequest): Promise<ReportResponse> {
    const outcomes: ReportOutcome[] = [];
    // In order: a run's items build on each other (acknowledged, started, finished).
    for (const item of request.items) outcomes.push(await this.settle(caller, item));
    await this.heartbeat(caller, request.runningRunIds);
    await this.sightings.touch(caller.agentId, this.clock.now());
    const cancels = await this.cancelsFor(caller, request);
    const lease = await this.election.currentLease(caller.zoneId);
    return { outcomes, cancels, lease: toLeaseView(lease), settings: this.config.agentSettings };
  }

  /**
   * The run's agent takes it before starting it: `hand-over → wait-exec` on the run, and its task
   * follows, in one transaction with the task locked (as reports do). The agent starts a run only
   * after this committed, so from here on the manager treats the run as possibly executing: it is
   * never handed out again, and a lost agent's accepted run is failed, not re-run. Throws a 404 for
   * a run that is not the caller's, and a 409 for one that must not start (started, ended, or its
   * task stopped); accepting again a run already accepted is a no-op (a retry after a lost answer).
   * Returns the run and its task as the committed acceptance left them.
   */
  async acknowledge(caller: AgentPrincipal, runId: number): Promise<RunWithTask> {
    const notFound = () =>
      new AppError('TASK_RUN_NOT_FOUND', `Run ${runId} is not an unfinished run of agent ${caller.agentKey}`);
    const run = await this.work.findRun(runId);
    // One answer for unknown, foreign and finished runs: an agent learns nothing about others' runs.
    if (!run || run.agentId !== caller.agentId || run.zoneId !== caller.zoneId) throw notFound();
    if (isTerminalTaskStatus(run.status)) throw notFound();
    // The run's and the task's events in one INSERT at the end.
    return this.transactions.run((manager) =>
      this.taskEvents.batched(manager, async (): Promise<RunWithTask> => {
        const task = await this.tasks.findForUpdate(run.taskId, manager);
        const current = await this.work.findRun(run.id, manager);
        if (!task || !current || isTerminalTaskStatus(current.status)) throw notFound();
        if (current.status === 'wait-exec') return { run: current, task };
        if (current.status !== 'hand-over') {
          throw new AppError(
            'INVALID_TRANSITION',
            `Run ${runId} is already ${current.status}; it is not started again`,
          );
        }
        if (isTerminalTaskStatus(task.status)) {
          throw new AppError(
            'INVALID_TRANSITION',
            `Task ${task.id} of run ${runId} is already ${task.status}; the run must not start`,
          );
        }
        const moved = await this.moveRun(manager, task, current, { status: 'wait-exec' });
        if (!moved) {
          throw new AppError(
            'INVALID_TRANSITION',
            `Run ${runId} changed while it was accepted; it is not started`,
          );
        }
        // The task row as read: the assignment needs only what no transition changes (name, steps…).
        return { run: moved.run, task };
      }),
    );
  }

  /**
   * The one way a run changes on an agent's word (its acceptance or a status report), inside the
   * caller's transaction with the task locked: the guarded run UPDATE, its event, and the task
   * following its run. A task already final (stopped by a cancel, say) keeps its status; only its
   * run is updated. Null when the guard missed (the run changed meanwhile); `timed` when the task
   * now waits for a time (a held poll must look again).
   */
  private async moveRun(
    manager: EntityManager,
    task: TaskEntity,
    current: TaskRunEntity,
    changes: RunChanges & { status: TaskStatus },
  ): Promise<{ run: TaskRunEntity; timed: boolean } | null> {
    const now = this.clock.now();
    if (!(await this.work.updateRunGuarded(manager, current, { ...changes, updatedAt: now }))) return null;
    if (changes.status !== current.status) {
      await this.taskEvents.runStatusChanged(current, current.status, changes.status, now, manager);
    }
    const run: TaskRunEntity = { ...current, ...changes, updatedAt: now };
    const timed =
      !isTerminalTaskStatus(task.status) && (await this.derivation.afterRunChange(task, run, manager));
    return { run, timed };
  }

  private async settle(caller: AgentPrincipal, item: ReportItem): Promise<ReportOutcome> {
    const key = { runId: item.runId, seq: item.seq };
    try {
      const run = await this.work.findRun(item.runId);
      if (!run || run.agentId !== caller.agentId || run.zoneId !== caller.zoneId) {
        return rejected(
          key,
          'TASK_RUN_NOT_FOUND',
          `Run ${item.runId} is not a run of agent ${caller.agentKey}`,
        );
      }
      return item.kind === 'log' ? await this.storeLog(run, item) : await this.applyStatus(run, item);
    } catch (error) {
      if (error instanceof AppError) return rejected(key, error.code, error.message);
      // The agent drops rejected items: say nothing about the internals, keep them in the log.
      this.logger.error(
        `Report item (run ${item.runId}, seq ${item.seq}) of agent ${caller.agentKey} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return rejected(key, 'INTERNAL_ERROR', 'The manager could not store this item');
    }
  }

  /** Append-only: `(runId, seq)` is stored once; a resent chunk is a duplicate. */
  private async storeLog(run: TaskRunEntity, item: LogReport): Promise<ReportOutcome> {
    const createdAt = this.clock.now();
    const stored = await this.transactions.run((manager) =>
      this.work.insertLogChunk(manager, {
        runId: run.id,
        seq: item.seq,
        taskId: run.taskId,
        stepSeq: item.stepSeq,
        stream: item.stream,
        content: item.content,
        createdAt,
      }),
    );
    // After the commit, live viewers of the task get the chunk (best effort: not in the outbox).
    if (stored) {
      this.bus.publishLog({
        taskId: run.taskId,
        runId: run.id,
        zoneId: run.zoneId,
        seq: item.seq,
        stepSeq: item.stepSeq,
        stream: item.stream,
        content: item.content,
        at: createdAt.toISOString(),
      });
    }
    return { runId: run.id, seq: item.seq, outcome: stored ? 'accepted' : 'duplicate' };
  }

  private async applyStatus(run: TaskRunEntity, item: StatusReport): Promise<ReportOutcome> {
    const key = { runId: run.id, seq: item.seq };
    let timed = false;
    let dispatchSeconds: number | null = null;
    // The run's and the task's events in one INSERT at the end.
    const outcome = await this.transactions.run((manager) =>
      this.taskEvents.batched(manager, async (): Promise<ReportOutcome> => {
        // The task row first (locked on MySQL): reports about sibling runs and changes of the task
        // queue behind each other, and the runs read next are the latest ones.
        const task = await this.tasks.findForUpdate(run.taskId, manager);
        const current = await this.work.findRun(run.id, manager);
        if (!task || !current) return rejected(key, 'TASK_RUN_NOT_FOUND', `Run ${run.id} no longer exists`);
        const verdict = judgeRunReport(current, item);
        if (verdict.kind === 'duplicate') return { ...key, outcome: 'duplicate' };
        if (verdict.kind === 'reject') return rejected(key, 'INVALID_TRANSITION', verdict.message);
        const changes = runChanges(current, verdict.to, item);
        const moved = await this.moveRun(manager, task, current, changes);
        if (!moved) throw new Error(`run ${run.id} changed while its report was applied`);
        timed = moved.timed;
        if (changes.startedAt) dispatchSeconds = dispatchLatencySeconds(task, current, moved.run.updatedAt);
        if (isTerminalTaskStatus(verdict.to)) this.heartbeats.forget(`${current.agentId}:${current.id}`);
        return { ...key, outcome: 'accepted' };
      }),
    );
    // After the commit: a held poll of the zone looks again and times its hold to the new due time.
    if (timed) this.signal.notify(run.zoneId);
    if (dispatchSeconds !== null) this.metrics.observeDispatchLatency(dispatchSeconds);
    return outcome;
  }

  /**
   * Runs of the caller to stop: those of stopped, canceled or timed-out tasks, and those it still
   * reports running although the manager has ended them (reaped as agent lost, timed out by the
   * manager's backstop, or handed out again): the agent kills them instead of running on.
   */
  private async cancelsFor(caller: AgentPrincipal, request: ReportRequest): Promise<number[]> {
    const cancels = await this.work.agentCancels(caller.agentId);
    // Runs this very report finished are no longer running, whatever the list says.
    const reported = new Set(request.items.map((item) => item.runId));
    const running = [...new Set(request.runningRunIds)].filter((id) => !reported.has(id));
    const ended = await this.work.finishedRunsOf(caller.agentId, running);
    return [...new Set([...cancels, ...ended])].sort((a, b) => a - b);
  }

  /** heartbeatAt of the caller's own unfinished runs, written at most every few seconds per run. */
  private async heartbeat(caller: AgentPrincipal, runIds: readonly number[]): Promise<void> {
    const now = this.clock.now();
    const due = [...new Set(runIds)].filter((id) => this.heartbeats.isDue(`${caller.agentId}:${id}`, now));
    if (due.length === 0) return;
    await this.transactions.run((manager) => this.work.touchRuns(manager, caller.agentId, due, now));
    for (const id of due) this.heartbeats.record(`${caller.agentId}:${id}`, now);
  }
}

/**
 * Seconds from the task becoming due (created, or its schedule time if later) to its first run
 * being reported started, as this manager sees it; null where "due" is not known from the row
 * (iteration ticks, retries).
 */
function dispatchLatencySeconds(
  task: Pick<TaskEntity, 'taskType' | 'createdAt' | 'scheduleAt'>,
  run: Pick<TaskRunEntity, 'attempt'>,
  now: Date,
): number | null {
  if (task.taskType === 'iteration' || run.attempt !== 1) return null;
  const dueAt = Math.max(task.createdAt.getTime(), task.scheduleAt?.getTime() ?? 0);
  return Math.max(0, now.getTime() - dueAt) / 1000;
}

/**
 * What a status report writes on its run. Times are the agent's (`at`): reports may arrive late
 * from the agent's durable queue, and the run should say when things happened, not when we heard.
 */
function runChanges(
  run: TaskRunEntity,
  to: TaskStatus,
  item: StatusReport,
): RunChanges & { status: TaskStatus } {
  const at = new Date(item.at);
  const starts = to !== 'stopped' && runProgress(to) >= runProgress('started');
  return {
    status: to,
    currentStep: item.currentStep,
    ...(item.failedStep !== null ? { failedStep: item.failedStep } : {}),
    ...(item.result !== null ? { result: item.result } : {}),
    ...(item.error !== null ? { error: item.error } : {}),
    ...(starts && !run.startedAt ? { startedAt: at } : {}),
    ...(isTerminalTaskStatus(to) ? { finishedAt: at } : {}),
  };
}
