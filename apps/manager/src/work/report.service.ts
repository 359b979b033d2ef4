import { Inject, Injectable, Logger } from '@nestjs/common';
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
import type { EntityManager } from 'typeorm';
import type { AgentPrincipal } from '../common/auth/agent-principal';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { ElectionService } from '../election/election.service';
import { TransactionRunner } from '../database/transaction-runner';
import { toLeaseView } from '../election/zone-lease';
import { TaskEventsWriter } from '../tasks/task-events.writer';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import { transitionPath } from '../tasks/task-state-machine';
import { TaskTransitions } from '../tasks/task-transitions';
import type { TaskEntity } from '../tasks/task.entity';
import { type TransitionChanges, TasksRepository } from '../tasks/tasks.repository';
import { AgentSightings } from './agent-sightings';
import { WorkSignal } from './work-signal';
import { aggregateRuns, planFinish, type RunEnd } from './run-outcome';
import { judgeRunReport, runProgress } from './run-status';
import { WriteThrottle } from './write-throttle';
import { type RunChanges, WorkRepository } from './work.repository';

/** A run's heartbeat is written at most this often. */
export const HEARTBEAT_WRITE_INTERVAL_MS = 5_000;

/** Task statuses in which the task follows what its runs report. */
const DELIVERED: readonly TaskStatus[] = ['hand-over', 'wait-exec', 'started', 'running', 'recovering'];

type ItemKey = Pick<ReportOutcome, 'runId' | 'seq'>;

function rejected(key: ItemKey, code: string, message: string): ReportOutcome {
  return { ...key, outcome: 'rejected', code, message };
}

/** Targets with one run per matching agent; their task status summarises all runs of a delivery. */
function isMultiRun(task: Pick<TaskEntity, 'targetKind'>): boolean {
  return task.targetKind === 'all' || task.targetKind === 'labels';
}

function asRunEnd(status: TaskStatus): RunEnd {
  return status === 'canceled' ? 'stopped' : (status as RunEnd);
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
    private readonly transitions: TaskTransitions,
    private readonly taskEvents: TaskEventsWriter,
    private readonly election: ElectionService,
    private readonly sightings: AgentSightings,
    private readonly signal: WorkSignal,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async report(caller: AgentPrincipal, request: ReportRequest): Promise<ReportResponse> {
    const outcomes: ReportOutcome[] = [];
    // In order: a run's items build on each other (acknowledged, started, finished).
    for (const item of request.items) outcomes.push(await this.settle(caller, item));
    await this.heartbeat(caller, request.runningRunIds);
    await this.sightings.touch(caller.agentId, this.clock.now());
    const cancels = await this.work.agentCancels(caller.agentId);
    const lease = await this.election.currentLease(caller.zoneId);
    return { outcomes, cancels, lease: toLeaseView(lease), settings: this.config.agentSettings };
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
        error instanceof Error ? error.stack : undefined,
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
    return { runId: run.id, seq: item.seq, outcome: stored ? 'accepted' : 'duplicate' };
  }

  private async applyStatus(run: TaskRunEntity, item: StatusReport): Promise<ReportOutcome> {
    const key = { runId: run.id, seq: item.seq };
    let timed = false;
    const outcome = await this.transactions.run(async (manager): Promise<ReportOutcome> => {
      // The task row first (locked on MySQL): reports about sibling runs and changes of the task
      // queue behind each other, and the runs read next are the latest ones.
      const task = await this.tasks.findForUpdate(run.taskId, manager);
      const current = await this.work.findRun(run.id, manager);
      if (!task || !current) return rejected(key, 'TASK_RUN_NOT_FOUND', `Run ${run.id} no longer exists`);
      const verdict = judgeRunReport(current, item);
      if (verdict.kind === 'duplicate') return { ...key, outcome: 'duplicate' };
      if (verdict.kind === 'reject') return rejected(key, 'INVALID_TRANSITION', verdict.message);
      const now = this.clock.now();
      const changes = runChanges(current, verdict.to, item);
      if (!(await this.work.updateRunGuarded(manager, current, { ...changes, updatedAt: now }))) {
        throw new Error(`run ${run.id} changed while its report was applied`);
      }
      if (verdict.to !== current.status) {
        await this.taskEvents.runStatusChanged(current, current.status, verdict.to, now, manager);
      }
      if (isTerminalTaskStatus(verdict.to)) this.heartbeats.forget(`${current.agentId}:${current.id}`);
      // A task already final (stopped by a cancel, say) keeps its status; only its run is updated.
      if (!isTerminalTaskStatus(task.status)) {
        timed = await this.deriveTask(task, { ...current, ...changes }, manager);
      }
      return { ...key, outcome: 'accepted' };
    });
    // After the commit: a held poll of the zone looks again and times its hold to the new due time.
    if (timed) this.signal.notify(run.zoneId);
    return outcome;
  }

  /** Moves the task after its run; true when it now waits for a time (retry backoff, next tick). */
  private async deriveTask(task: TaskEntity, run: TaskRunEntity, manager: EntityManager): Promise<boolean> {
    // Only runs of the current delivery move the task; a late report of an older one does not.
    if (!DELIVERED.includes(task.status) || run.attempt !== task.attempt + 1) return false;
    if (isMultiRun(task)) {
      const state = aggregateRuns(await this.work.deliveryOf(manager, run));
      if (!state.done) {
        if (state.progress && runProgress(state.progress) > runProgress(task.status)) {
          await this.move(task, state.progress, {}, manager);
        }
        return false;
      }
      const { result, failedStep, isFailedRecover } = state;
      return this.finish(task, state.end, { result, failedStep, isFailedRecover }, manager);
    }
    if (!isTerminalTaskStatus(run.status)) {
      const changes: TransitionChanges = {
        currentStep: run.currentStep,
        ...(run.failedStep !== null ? { failedStep: run.failedStep } : {}),
      };
      if (run.status === task.status)
        await this.transitions.updateProgress(task.id, task.status, changes, manager);
      else if (runProgress(run.status) > runProgress(task.status))
        await this.move(task, run.status, changes, manager);
      return false;
    }
    const end = asRunEnd(run.status);
    return this.finish(
      task,
      end,
      {
        result: run.result,
        failedStep: run.failedStep,
        isFailedRecover: end === 'failed-recover',
        currentStep: run.currentStep,
      },
      manager,
    );
  }

  /** The delivery ended: next iteration, a retry after backoff, or the final status. True when timed. */
  private async finish(
    task: TaskEntity,
    end: RunEnd,
    details: Pick<TransitionChanges, 'result' | 'failedStep' | 'isFailedRecover' | 'currentStep'>,
    manager: EntityManager,
  ): Promise<boolean> {
    const plan = planFinish(task, end, this.clock.now());
    const changes: TransitionChanges = {
      ...details,
      ...('nextRunAt' in plan ? { nextRunAt: plan.nextRunAt, attempt: plan.attempt } : {}),
    };
    return (await this.move(task, plan.to, changes, manager)) && 'nextRunAt' in plan;
  }

  /** False when the task cannot get there (it is logged). */
  private async move(
    task: TaskEntity,
    to: TaskStatus,
    changes: TransitionChanges,
    manager: EntityManager,
  ): Promise<boolean> {
    if (transitionPath(task.status, to).length === 0) {
      this.logger.warn(`Task ${task.id} is ${task.status} and cannot follow its run to ${to}`);
      return false;
    }
    await this.transitions.advance(task.id, to, { manager, changes });
    return true;
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
 * What a status report writes on its run. Times are the agent's (`at`): reports may arrive late
 * from the agent's durable queue, and the run should say when things happened, not when we heard.
 */
function runChanges(run: TaskRunEntity, to: TaskStatus, item: StatusReport): RunChanges {
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
