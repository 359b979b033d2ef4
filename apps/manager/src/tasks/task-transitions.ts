import { Injectable } from '@nestjs/common';
import type { TaskStatus } from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { AppError, notFound } from '../common/errors/app-error';
import { TaskEventsWriter } from './task-events.writer';
import { canTransition, enabledSourcesOf, finishesTask, transitionPath } from './task-state-machine';
import type { TaskEntity } from './task.entity';
import { type TransitionChanges, TasksRepository } from './tasks.repository';

export interface TransitionResult {
  task: TaskEntity;
  from: TaskStatus;
  to: TaskStatus;
}

export interface TransitionOptions {
  /** Run inside the caller's transaction; otherwise the transition opens its own. */
  manager?: EntityManager;
  /** Further columns to set in the same UPDATE (e.g. exeAgentKey, result). */
  changes?: TransitionChanges;
}

/**
 * The only way a task's status changes. Each transition is one guarded UPDATE
 * (`... WHERE id = :id AND status IN (:from)`) checked by its affected-row count, plus its
 * TASK_STATUS_CHANGED event, in one transaction. What may change into what is `TASK_TRANSITIONS`.
 */
@Injectable()
export class TaskTransitions {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly events: TaskEventsWriter,
    private readonly clock: Clock,
  ) {}

  /** Moves the task to `to`, or throws 404 TASK_NOT_FOUND / 409 INVALID_TRANSITION. */
  transition(taskId: number, to: TaskStatus, options: TransitionOptions = {}): Promise<TransitionResult> {
    return this.run(options, (manager) =>
      this.apply(
        taskId,
        to,
        manager,
        options.changes,
        (from) => new AppError('INVALID_TRANSITION', `Task ${taskId} cannot go from ${from} to ${to}`),
      ),
    );
  }

  /**
   * Moves the task to `to` along `transitionPath`, one guarded edge (and one event) at a time: an
   * agent that skipped reporting `wait-exec` or `started` still walks the task through them.
   * `changes` are set on every edge. Throws 409 INVALID_TRANSITION when no path leads there.
   */
  advance(taskId: number, to: TaskStatus, options: TransitionOptions = {}): Promise<TransitionResult> {
    return this.run(options, async (manager) => {
      const task = await this.tasks.findForUpdate(taskId, manager);
      if (!task) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
      const path = transitionPath(task.status, to);
      if (path.length === 0) {
        throw new AppError('INVALID_TRANSITION', `Task ${taskId} cannot go from ${task.status} to ${to}`);
      }
      let result: TransitionResult | undefined;
      for (const step of path) result = await this.transition(taskId, step, { ...options, manager });
      return { ...(result as TransitionResult), from: task.status };
    });
  }

  /**
   * Sets progress columns (current step, failed step) of a task that stays in `status`; no status
   * change, so no event. Guarded on the status: false when the task has moved on meanwhile.
   */
  async updateProgress(
    taskId: number,
    status: TaskStatus,
    changes: TransitionChanges,
    manager: EntityManager,
  ): Promise<boolean> {
    const set = { ...changes, updatedAt: this.clock.now() };
    return this.tasks.updateStatusGuarded(taskId, [status], status, set, manager);
  }

  /**
   * Cancels a task in any non-terminal status: one the manager still holds (not delivered)
   * becomes `canceled`; a delivered one (hand-over … recovering) becomes `stopped` at once, and its
   * runs are stopped by their agents through the cancels that ride on the poll and report replies.
   * Its steps, runs and logs are kept. Throws 409 TASK_NOT_CANCELABLE naming the current status for
   * a finished task.
   */
  cancel(taskId: number, options: Omit<TransitionOptions, 'changes'> = {}): Promise<TransitionResult> {
    const refuse = (from: TaskStatus) => {
      const when = [...enabledSourcesOf('canceled'), ...enabledSourcesOf('stopped')].join(', ');
      return new AppError(
        'TASK_NOT_CANCELABLE',
        `Task ${taskId} is ${from}; only a task that is ${when} can be canceled`,
      );
    };
    return this.run(options, async (manager) => {
      const task = await this.tasks.findForUpdate(taskId, manager);
      if (!task) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
      const to: TaskStatus = canTransition(task.status, 'canceled') ? 'canceled' : 'stopped';
      return this.apply(taskId, to, manager, undefined, refuse);
    });
  }

  private run<T>(options: TransitionOptions, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return options.manager ? work(options.manager) : this.tasks.transaction(work);
  }

  private async apply(
    taskId: number,
    to: TaskStatus,
    manager: EntityManager,
    changes: TransitionChanges | undefined,
    refuse: (from: TaskStatus) => AppError,
  ): Promise<TransitionResult> {
    // A locking read where the database has row locks: the status we guard on is the latest one,
    // not this transaction's snapshot, and nobody moves the task before we commit.
    const task = await this.tasks.findForUpdate(taskId, manager);
    if (!task) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    const from = task.status;
    if (!canTransition(from, to)) throw refuse(from);
    const now = this.clock.now();
    const set = { ...changes, updatedAt: now, ...(finishesTask(to) ? { finishedAt: now } : {}) };
    // Guarded on the status we read: if another writer moved the task in between, nothing matches.
    if (!(await this.tasks.updateStatusGuarded(taskId, [from], to, set, manager))) {
      const current = await this.tasks.findForUpdate(taskId, manager);
      if (!current) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
      throw refuse(current.status);
    }
    await this.events.statusChanged(task, from, to, now, manager);
    const updated = await this.tasks.findById(taskId, manager);
    if (!updated) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    return { task: updated, from, to };
  }
}
