import { Inject, Injectable, Logger } from '@nestjs/common';
import { isTerminalTaskStatus, type TaskStatus } from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { TransactionRunner } from '../database/transaction-runner';
import { TaskEventsWriter } from '../tasks/task-events.writer';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import { canTransition } from '../tasks/task-state-machine';
import { TaskTransitions } from '../tasks/task-transitions';
import type { TaskEntity } from '../tasks/task.entity';
import { TasksRepository } from '../tasks/tasks.repository';
import { isOverdue, judgeRun, type ReapVerdict } from './reap-rules';
import { RunReaperRepository } from './run-reaper.repository';
import { isMultiRun, TaskDerivation } from './task-derivation';
import { WorkSignal } from './work-signal';
import { WorkRepository } from './work.repository';

/** Runs nominated per query per pass; a full batch asks for another pass at once. */
export const REAP_BATCH = 100;

export interface ReapSummary {
  /** Runs ended (or handed out again) by this pass. */
  reaped: number;
  /** A query returned a full batch: more may be waiting. */
  more: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Ends the runs nobody will finish (ARCHITECTURE §5): runs of agents that went offline, runs whose
 * heartbeats stopped, and runs past their task's timeout (a backstop to the agent's own kill).
 * Each run is judged again and ended in one transaction with its task locked; every write is
 * guarded by the status read, so a report or a cancel that got there first wins and the run is
 * left alone. The task then follows through the same derivation as agents' reports: retried or
 * failed per its policy, or, for a run that never started, handed out again.
 */
@Injectable()
export class RunReaper {
  private readonly logger = new Logger('RunReaper');

  constructor(
    private readonly candidates: RunReaperRepository,
    private readonly work: WorkRepository,
    private readonly tasks: TasksRepository,
    private readonly transitions: TaskTransitions,
    private readonly derivation: TaskDerivation,
    private readonly taskEvents: TaskEventsWriter,
    private readonly transactions: TransactionRunner,
    private readonly signal: WorkSignal,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reap(abort?: AbortSignal): Promise<ReapSummary> {
    const now = this.clock.now();
    const lost = await this.candidates.runsOfLostAgents(REAP_BATCH);
    const silent = await this.candidates.silentRuns(
      new Date(now.getTime() - this.config.runHeartbeatTimeoutMs),
      REAP_BATCH,
    );
    const timed = await this.candidates.timeoutCandidates(now, REAP_BATCH);
    const overdue = timed.filter((run) => isOverdue(run, run.timeoutSeconds, now)).map((run) => run.id);
    let reaped = 0;
    for (const runId of [...new Set([...lost, ...silent, ...overdue])]) {
      if (abort?.aborted) break;
      try {
        if (await this.reapRun(runId)) reaped += 1;
      } catch (error) {
        this.logger.error(`Run ${runId} could not be reaped: ${messageOf(error)}`);
      }
    }
    const more = [lost, silent, timed].some((batch) => batch.length >= REAP_BATCH);
    return { reaped, more };
  }

  /** Judges and ends one run; false when it needs nothing (any more). */
  async reapRun(runId: number): Promise<boolean> {
    let zoneToWake: number | null = null;
    const reaped = await this.transactions.run(async (manager) => {
      const nominated = await this.work.findRun(runId, manager);
      if (!nominated || isTerminalTaskStatus(nominated.status)) return false;
      // The task first, locked, as reports do: changes of a task and its runs queue behind each other.
      const task = await this.tasks.findForUpdate(nominated.taskId, manager);
      const run = await this.work.findRun(runId, manager);
      if (!task || !run || isTerminalTaskStatus(run.status)) return false;
      const agent = await this.candidates.findAgentState(manager, run.agentId);
      const now = this.clock.now();
      const verdict = judgeRun(run, task, agent?.state ?? null, now, {
        heartbeatTimeoutMs: this.config.runHeartbeatTimeoutMs,
      });
      if (!verdict) return false;
      const wake = await this.apply(task, run, verdict, now, manager);
      if (wake === null) return false;
      if (wake) zoneToWake = task.zoneId;
      return true;
    });
    if (zoneToWake !== null) this.signal.notify(zoneToWake);
    return reaped;
  }

  /** Null when the run changed meanwhile (nothing written); else whether to wake the zone. */
  private async apply(
    task: TaskEntity,
    run: TaskRunEntity,
    verdict: ReapVerdict,
    now: Date,
    manager: EntityManager,
  ): Promise<boolean | null> {
    const current = run.attempt === task.attempt + 1;
    const requeue =
      verdict.kind === 'unstarted' &&
      !isMultiRun(task) &&
      current &&
      canTransition(task.status, 'wait-polling') &&
      (await this.work.deliveryOf(manager, run)).length === 1;
    // A run that never started and is not handed out again ends as `failed` in a batch (that agent
    // did not run it) and `canceled` otherwise (nothing ran, and its task goes on without it).
    const to: TaskStatus =
      verdict.kind === 'end'
        ? verdict.to
        : isMultiRun(task) && current && !isTerminalTaskStatus(task.status)
          ? 'failed'
          : 'canceled';
    const changed = await this.work.updateRunGuarded(manager, run, {
      status: to,
      error: verdict.error,
      finishedAt: now,
      updatedAt: now,
    });
    if (!changed) return null;
    await this.taskEvents.runStatusChanged(run, run.status, to, now, manager);
    this.logger.warn(`Run ${run.id} of task ${task.id} ended as ${to}: ${verdict.error}`);
    if (isTerminalTaskStatus(task.status)) return false;
    if (requeue) {
      await this.transitions.transition(task.id, 'wait-polling', { manager, changes: { exeAgentKey: null } });
      return true;
    }
    // The task is locked by this transaction, so it follows its run like after a report.
    return this.derivation.afterRunChange(task, { ...run, status: to, error: verdict.error }, manager);
  }
}
