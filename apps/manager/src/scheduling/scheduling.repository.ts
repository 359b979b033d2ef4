import { Injectable } from '@nestjs/common';
import { type EventData, schemaVersionOf, type TaskStatus } from '@outpost/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { EventEntity } from '../events/event.entity';
import { TIMED_STATUSES } from '../tasks/task-release';
import { TaskEntity } from '../tasks/task.entity';

/** Statuses of an iteration task with a run pending or in flight: a tick then overlaps it. */
export const IN_FLIGHT_STATUSES: readonly TaskStatus[] = [
  'wait-polling',
  'hand-over',
  'wait-exec',
  'started',
  'running',
  'recovering',
];

/** An iteration tick that came due while the previous run was still in flight (policy skip). */
export const TASK_ITERATION_SKIPPED = 'TASK_ITERATION_SKIPPED' as const;

export type OverlappingTask = Pick<
  TaskEntity,
  'id' | 'zoneId' | 'status' | 'cron' | 'timeZone' | 'nextRunAt' | 'overlapPolicy'
>;

/** The scheduler's queries, across all zones (index idx_tasks_status_next_run_at). */
@Injectable()
export class SchedulingRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Timed tasks that are due, and iteration tasks between runs whose untilRun passed (they may
   * have to complete), soonest first.
   */
  async dueTasks(now: Date, limit: number): Promise<Pick<TaskEntity, 'id' | 'zoneId'>[]> {
    return this.dataSource
      .createQueryBuilder(TaskEntity, 'task')
      .select(['task.id', 'task.zoneId'])
      .where('task.status IN (:...timed)', { timed: [...TIMED_STATUSES] })
      .andWhere(
        "(task.nextRunAt <= :now OR (task.status = 'wait-iteration-schedule' AND task.untilAt < :now))",
        { now },
      )
      .orderBy('task.nextRunAt', 'ASC')
      .addOrderBy('task.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Iteration tasks (overlap policy skip) in flight whose next owed tick has come. */
  overlappingTicks(now: Date, limit: number): Promise<OverlappingTask[]> {
    return this.dataSource
      .createQueryBuilder(TaskEntity, 'task')
      .select([
        'task.id',
        'task.zoneId',
        'task.status',
        'task.cron',
        'task.timeZone',
        'task.nextRunAt',
        'task.overlapPolicy',
      ])
      .where('task.status IN (:...inFlight)', { inFlight: [...IN_FLIGHT_STATUSES] })
      .andWhere('task.taskType = :iteration', { iteration: 'iteration' })
      .andWhere('task.overlapPolicy = :skip', { skip: 'skip' })
      .andWhere('task.nextRunAt <= :now', { now })
      .orderBy('task.nextRunAt', 'ASC')
      .addOrderBy('task.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /**
   * Moves the owed tick on, guarded on the status and the tick as read: a task that finished its
   * run (and was rescheduled) or was skipped by someone else meanwhile matches nothing.
   */
  async skipTick(
    manager: EntityManager,
    task: OverlappingTask,
    next: Date | null,
    now: Date,
  ): Promise<boolean> {
    if (!task.nextRunAt) return false;
    const result = await manager
      .createQueryBuilder()
      .update(TaskEntity)
      .set({ nextRunAt: next, updatedAt: now })
      .where('id = :id', { id: task.id })
      .andWhere('status = :status', { status: task.status })
      .andWhere('next_run_at = :owed', { owed: task.nextRunAt })
      .andWhere('overlap_policy = :skip', { skip: 'skip' })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  async tickSkipped(
    manager: EntityManager,
    task: OverlappingTask,
    next: Date | null,
    at: Date,
  ): Promise<void> {
    const payload: EventData<typeof TASK_ITERATION_SKIPPED> = {
      taskId: task.id,
      zoneId: task.zoneId,
      status: task.status,
      skippedTickAt: task.nextRunAt ? task.nextRunAt.toISOString() : null,
      nextRunAt: next ? next.toISOString() : null,
    };
    await manager.save(
      EventEntity,
      manager.create(EventEntity, {
        type: TASK_ITERATION_SKIPPED,
        schemaVersion: schemaVersionOf(TASK_ITERATION_SKIPPED),
        zoneId: task.zoneId,
        taskId: task.id,
        agentId: null,
        payload: { ...payload },
        occurredAt: at,
        publishedAt: null,
      }),
    );
  }
}
