import { Injectable } from '@nestjs/common';
import type { ListTasksQuery, TaskStatus } from '@outpost/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { TransactionRunner } from '../database/transaction-runner';
import { TaskLogChunkEntity } from './task-log-chunk.entity';
import { TaskRunEntity } from './task-run.entity';
import { TaskStepEntity } from './task-step.entity';
import { TaskEntity } from './task.entity';

export type NewTask = Omit<TaskEntity, 'id' | 'zone' | 'createdBy'>;
export type NewTaskStep = Omit<TaskStepEntity, 'id' | 'taskId' | 'task'>;

/** Columns a transition may set besides status, updated_at and finished_at. */
export type TransitionChanges = Partial<
  Omit<NewTask, 'status' | 'updatedAt' | 'finishedAt' | 'zoneId' | 'createdAt'>
>;

export interface TaskWithChildren {
  task: TaskEntity;
  steps: TaskStepEntity[];
  runs: TaskRunEntity[];
}

/** `!` escapes LIKE wildcards on both MariaDB and SQLite (SQLite has no default escape character). */
const LIKE_ESCAPE = '!';
function containsPattern(text: string): string {
  return `%${text.replace(/[!%_]/g, (char) => `${LIKE_ESCAPE}${char}`)}%`;
}

/** MySQL/MariaDB lock rows; SQLite locks the whole database per writer. */
export function hasRowLocks(manager: EntityManager): boolean {
  const type = manager.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

@Injectable()
export class TasksRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Through the app's one TransactionRunner: on SQLite, TypeORM shares one connection between
   * concurrent transactions, so task changes, deliveries and reports must queue behind each other.
   * Never call it from inside another transaction (pass that transaction's manager instead).
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.transactions.run(work);
  }

  /**
   * The task and its steps, in the caller's transaction so they land together or not at all.
   * Returns the rows as written (with their ids): the same values a read would give back.
   */
  async insertWithSteps(
    task: NewTask,
    steps: NewTaskStep[],
    manager: EntityManager,
  ): Promise<{ task: TaskEntity; steps: TaskStepEntity[] }> {
    const saved = await manager.save(TaskEntity, manager.create(TaskEntity, task));
    const rows = steps.map((step) => ({ ...step, taskId: saved.id }));
    const inserted = await manager.insert(TaskStepEntity, rows);
    const ids = inserted.identifiers.map((identifier) => Number(identifier['id']));
    if (ids.length !== rows.length || ids.some((id) => !Number.isSafeInteger(id) || id <= 0)) {
      // Not expected on either database; a read is the fallback, never a wrong id.
      return { task: saved, steps: await manager.find(TaskStepEntity, { where: { taskId: saved.id } }) };
    }
    return { task: saved, steps: rows.map((row, index) => ({ ...row, id: ids[index] as number })) };
  }

  findById(id: number, manager: EntityManager = this.dataSource.manager): Promise<TaskEntity | null> {
    return manager.findOneBy(TaskEntity, { id });
  }

  /**
   * The task row read for a change in the caller's transaction: `SELECT … FOR UPDATE` on
   * MySQL/MariaDB, so the status read is the latest committed one (not the transaction's snapshot)
   * and concurrent changers of the task queue behind us. SQLite has no row locks; there the
   * TransactionRunner already runs one transaction at a time.
   */
  findForUpdate(id: number, manager: EntityManager): Promise<TaskEntity | null> {
    if (!hasRowLocks(manager)) return manager.findOneBy(TaskEntity, { id });
    return manager.findOne(TaskEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async findWithChildren(
    id: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TaskWithChildren | null> {
    const task = await manager.findOneBy(TaskEntity, { id });
    if (!task) return null;
    const [steps, runs] = await Promise.all([
      manager.find(TaskStepEntity, { where: { taskId: id }, order: { seq: 'ASC' } }),
      manager.find(TaskRunEntity, { where: { taskId: id }, order: { createdAt: 'DESC', id: 'DESC' } }),
    ]);
    return { task, steps, runs };
  }

  /** Newest first. Each filter is applied on its own condition, so any combination works. */
  findPage(query: ListTasksQuery): Promise<[TaskEntity[], number]> {
    const builder = this.dataSource.manager.createQueryBuilder(TaskEntity, 'task');
    if (query.zoneId?.length) builder.andWhere('task.zoneId IN (:...zoneIds)', { zoneIds: query.zoneId });
    if (query.status?.length) builder.andWhere('task.status IN (:...statuses)', { statuses: query.status });
    if (query.taskType) builder.andWhere('task.taskType = :taskType', { taskType: query.taskType });
    if (query.agentKey) {
      // Targeted at the agent, or run by it (the task's executing agent, or any of its runs).
      const runBy = builder
        .subQuery()
        .select('1')
        .from(TaskRunEntity, 'run')
        .where('run.taskId = task.id')
        .andWhere('run.agentKey = :agentKey')
        .getQuery();
      builder.andWhere(
        `(task.targetAgentKey = :agentKey OR task.exeAgentKey = :agentKey OR EXISTS ${runBy})`,
        {
          agentKey: query.agentKey,
        },
      );
    }
    if (query.name)
      builder.andWhere(`task.name LIKE :name ESCAPE '${LIKE_ESCAPE}'`, { name: containsPattern(query.name) });
    if (query.createdFrom)
      builder.andWhere('task.createdAt >= :createdFrom', { createdFrom: new Date(query.createdFrom) });
    if (query.createdTo)
      builder.andWhere('task.createdAt <= :createdTo', { createdTo: new Date(query.createdTo) });
    return builder
      .orderBy('task.createdAt', 'DESC')
      .addOrderBy('task.id', 'DESC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
  }

  /** An agent of the zone with that key in the given state, if any. */
  findAgentInState(
    zoneId: number,
    agentKey: string,
    state: AgentEntity['state'],
  ): Promise<AgentEntity | null> {
    return this.dataSource.manager.findOneBy(AgentEntity, { zoneId, agentKey, state });
  }

  /**
   * The guarded status change: one UPDATE that only matches while the task is still in one of
   * `from`. Returns false when it matched nothing (the task moved on, or does not exist).
   */
  async updateStatusGuarded(
    id: number,
    from: readonly TaskStatus[],
    to: TaskStatus,
    set: { updatedAt: Date; finishedAt?: Date } & TransitionChanges,
    manager: EntityManager,
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const result = await manager
      .createQueryBuilder()
      .update(TaskEntity)
      .set({ ...set, status: to })
      .where('id = :id', { id })
      .andWhere('status IN (:...from)', { from: [...from] })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  findRunOfTask(taskId: number, runId: number): Promise<TaskRunEntity | null> {
    return this.dataSource.manager.findOneBy(TaskRunEntity, { id: runId, taskId });
  }

  findLatestRun(taskId: number): Promise<TaskRunEntity | null> {
    return this.dataSource.manager.findOne(TaskRunEntity, {
      where: { taskId },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  findLogChunks(runId: number, afterSeq: number, limit: number): Promise<TaskLogChunkEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(TaskLogChunkEntity, 'chunk')
      .where('chunk.runId = :runId', { runId })
      .andWhere('chunk.seq > :afterSeq', { afterSeq })
      .orderBy('chunk.seq', 'ASC')
      .limit(limit)
      .getMany();
  }
}
