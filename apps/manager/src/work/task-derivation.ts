import { Injectable, Logger } from '@nestjs/common';
import { isTerminalTaskStatus, type TaskStatus } from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import type { TaskRunEntity } from '../tasks/task-run.entity';
import { transitionPath } from '../tasks/task-state-machine';
import { TaskTransitions } from '../tasks/task-transitions';
import type { TaskEntity } from '../tasks/task.entity';
import type { TransitionChanges } from '../tasks/tasks.repository';
import { nextTick } from '../tasks/task-release';
import { aggregateRuns, planFinish, type RunEnd } from './run-outcome';
import { runProgress } from './run-status';
import { WorkRepository } from './work.repository';

/** Task statuses in which the task follows what its runs report. */
export const DELIVERED: readonly TaskStatus[] = [
  'hand-over',
  'wait-exec',
  'started',
  'running',
  'recovering',
];

/** Targets with one run per matching agent; their task status summarises all runs of a delivery. */
export function isMultiRun(task: Pick<TaskEntity, 'targetKind'>): boolean {
  return task.targetKind === 'all' || task.targetKind === 'labels';
}

function asRunEnd(status: TaskStatus): RunEnd {
  return status === 'canceled' ? 'stopped' : (status as RunEnd);
}

/**
 * The task as its runs say it is, in the caller's transaction, through TaskTransitions: a one-run
 * task follows its run, a multi-run task summarises its delivery's runs, and a finished delivery
 * schedules the next iteration, a retry, or the final status. Used for agents' reports and for
 * runs the manager ends itself (the run reaper), so retries and iterations follow one rule.
 */
@Injectable()
export class TaskDerivation {
  private readonly logger = new Logger('Tasks');

  constructor(
    private readonly work: WorkRepository,
    private readonly transitions: TaskTransitions,
    private readonly clock: Clock,
  ) {}

  /**
   * Moves `task` (read with a lock in this transaction, and not changed by it yet) after its
   * updated `run`. True when the task now waits for a time or is deliverable again: notify its zone
   * after the commit.
   */
  async afterRunChange(task: TaskEntity, run: TaskRunEntity, manager: EntityManager): Promise<boolean> {
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

  /**
   * The delivery ended: next iteration, a retry after backoff, or the final status. An iteration
   * with a queued tick (overlap policy queue-one) goes straight on to `wait-polling`, through
   * `wait-iteration-schedule` so both steps have their event. True when timed or released.
   */
  private async finish(
    task: TaskEntity,
    end: RunEnd,
    details: Pick<TransitionChanges, 'result' | 'failedStep' | 'isFailedRecover' | 'currentStep'>,
    manager: EntityManager,
  ): Promise<boolean> {
    const now = this.clock.now();
    const plan = planFinish(task, end, now);
    const changes: TransitionChanges = {
      ...details,
      ...('nextRunAt' in plan ? { nextRunAt: plan.nextRunAt, attempt: plan.attempt } : {}),
    };
    if (!(await this.move(task, plan.to, changes, manager))) return false;
    if ('queued' in plan && plan.queued) {
      await this.transitions.transition(task.id, 'wait-polling', {
        manager,
        changes: { nextRunAt: nextTick(task, now) },
      });
    }
    return 'nextRunAt' in plan;
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
    // `task` is the caller's locked row, unchanged so far in this transaction (see afterRunChange).
    await this.transitions.advance(task.id, to, { manager, changes, locked: task });
    return true;
  }
}
