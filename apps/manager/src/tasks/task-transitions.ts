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
  /**
   * The task row as this transaction read it with `findForUpdate` (locked on MySQL/MariaDB; on
   * SQLite the TransactionRunner runs one transaction at a time) and has not changed since: spares
   * reading it again. The UPDATE stays guarded on the status it names; should that match nothing,
   * the transition reads the row afresh and goes on as it would have without it.
   */
  locked?: TaskEntity;
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
        options.locked,
      ),
    );
  }

  /**
   * Moves the task to `to` along `transitionPath`, one guarded edge (and one event) at a time: an
   * agent that skipped reporting `wait-exec` or `started` still walks the task through them.
   * `changes` are set on every edge. Throws 409 INVALID_TRANSITION when no path leads there.
   * The row is read (locked) once, unless the caller passes it as `locked`; each edge after the
   * first starts from the row as the previous edge left it.
   */
  advance(taskId: number, to: TaskStatus, options: TransitionOptions = {}): Promise<TransitionResult> {
    return this.run(options, async (manager) => {
      const task = options.locked ?? (await this.tasks.findForUpdate(taskId, manager));
      if (!task) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
      const path = transitionPath(task.status, to);
      if (path.length === 0) {
        throw new AppError('INVALID_TRANSITION', `Task ${taskId} cannot go from ${task.status} to ${to}`);
      }
      let result: TransitionResult | undefined;
      let locked = task;
      for (const step of path) {
        result = await this.transition(taskId, step, { ...options, manager, locked });
        locked = result.task;
      }
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
    locked?: TaskEntity,
  ): Promise<TransitionResult> {
    if (locked) {
      const applied = await this.applyTo(locked, to, manager, changes);
      if (applied) return applied;
      // The row was not as the caller said after all: read it afresh, as without it.
    }
    // A locking read where the database has row locks: the status we guard on is the latest one,
    // not this transaction's snapshot, and nobody moves the task before we commit.
    const task = await this.tasks.findForUpdate(taskId, manager);
    if (!task) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    if (!canTransition(task.status, to)) throw refuse(task.status);
    const applied = await this.applyTo(task, to, manager, changes);
    if (applied) return applied;
    const current = await this.tasks.findForUpdate(taskId, manager);
    if (!current) throw notFound('TASK_NOT_FOUND', 'Task', taskId);
    throw refuse(current.status);
  }

  /**
   * The guarded UPDATE from the status `task` names, and its event; null when the transition is
   * not allowed from there or the UPDATE matched nothing (another writer moved the task). The row
   * the change left is `task` with the UPDATE's values: the row is locked (or SQLite's one writer
   * is us), so reading it back would return exactly that.
   */
  private async applyTo(
    task: TaskEntity,
    to: TaskStatus,
    manager: EntityManager,
    changes: TransitionChanges | undefined,
  ): Promise<TransitionResult | null> {
    const from = task.status;
    if (!canTransition(from, to)) return null;
    const now = this.clock.now();
    const set = { ...changes, updatedAt: now, ...(finishesTask(to) ? { finishedAt: now } : {}) };
    // Guarded on the status we read: if another writer moved the task in between, nothing matches.
    if (!(await this.tasks.updateStatusGuarded(task.id, [from], to, set, manager))) return null;
    const updated = withValues(task, set, to);
    await this.events.statusChanged(task, from, to, now, manager, updated);
    return { task: updated, from, to };
  }
}

/** The row after `UPDATE … SET set, status = to`: keys left undefined are not written (as TypeORM does). */
function withValues(
  task: TaskEntity,
  set: TransitionChanges & { updatedAt: Date },
  to: TaskStatus,
): TaskEntity {
  const after: TaskEntity = { ...task, status: to };
  for (const [key, value] of Object.entries(set)) {
    if (value !== undefined) Object.assign(after, { [key]: value });
  }
  return after;
}
