import { Injectable } from '@nestjs/common';
import { type TaskStatus, terminalTaskStatuses } from '@outpost/shared';
import { DataSource, type EntityManager, In, Not, type SelectQueryBuilder } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { TaskLogChunkEntity } from '../tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../tasks/task-run.entity';
import { TaskStepEntity } from '../tasks/task-step.entity';
import { TaskEntity } from '../tasks/task.entity';

export type NewTaskRun = Omit<TaskRunEntity, 'id' | 'task' | 'zone' | 'agent'>;
export type NewLogChunk = Omit<TaskLogChunkEntity, 'run' | 'task'>;
export type RunChanges = Partial<
  Pick<
    TaskRunEntity,
    'status' | 'currentStep' | 'failedStep' | 'result' | 'error' | 'startedAt' | 'finishedAt' | 'heartbeatAt'
  >
>;

/** A run with the task it belongs to. */
export interface RunWithTask {
  run: TaskRunEntity;
  task: TaskEntity;
}

/** Task statuses whose delivered runs must be stopped by their agents. */
export const CANCELING_TASK_STATUSES: readonly TaskStatus[] = ['stopped', 'canceled', 'timeout'];
const TERMINAL = [...terminalTaskStatuses];

/** The queries of task delivery and reports, always scoped by zone (or by the calling agent). */
@Injectable()
export class WorkRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get db(): EntityManager {
    return this.dataSource.manager;
  }

  /** The zone's agents that were not retired, oldest first. */
  zoneAgents(zoneId: number): Promise<AgentEntity[]> {
    return this.db.find(AgentEntity, { where: { zoneId, state: Not('retired') }, order: { id: 'ASC' } });
  }

  /** Writes what was seen of an agent; never revives a retired one. */
  async updateAgent(manager: EntityManager, agentId: number, set: Partial<AgentEntity>): Promise<void> {
    await manager.update(AgentEntity, { id: agentId, state: Not('retired') }, set);
  }

  /** The update, only while the agent is online; false when it is not (nothing written). */
  async updateOnlineAgent(
    manager: EntityManager,
    agentId: number,
    set: Partial<AgentEntity>,
  ): Promise<boolean> {
    const result = await manager.update(AgentEntity, { id: agentId, state: 'online' }, set);
    return result.affected === 1;
  }

  /** Marks the agent online unless it already is (or was retired); true when its state changed. */
  async markOnline(manager: EntityManager, agentId: number, now: Date): Promise<boolean> {
    const result = await manager.update(
      AgentEntity,
      { id: agentId, state: Not(In(['online', 'retired'])) },
      { state: 'online', updatedAt: now },
    );
    return result.affected === 1;
  }

  /** Suspect → online (seen again before it was declared offline); true when it was suspect. */
  async reviveSuspect(manager: EntityManager, agentId: number, now: Date): Promise<boolean> {
    const result = await manager.update(
      AgentEntity,
      { id: agentId, state: 'suspect' },
      { state: 'online', updatedAt: now },
    );
    return result.affected === 1;
  }

  /** Marks the agent seen (reports); never revives a retired one. */
  async touchAgent(manager: EntityManager, agentId: number, now: Date): Promise<void> {
    await manager.update(
      AgentEntity,
      { id: agentId, state: Not('retired') },
      { lastSeenAt: now, updatedAt: now },
    );
  }

  /**
   * The zone's tasks waiting for a time (scheduled, retry backoff, next iteration tick), soonest
   * first: the due ones get delivered, the first one not due tells the poll how long to hold.
   */
  timedTasks(zoneId: number, limit: number): Promise<Pick<TaskEntity, 'id' | 'status' | 'nextRunAt'>[]> {
    return this.db
      .createQueryBuilder(TaskEntity, 'task')
      .select(['task.id', 'task.status', 'task.nextRunAt'])
      .where('task.zoneId = :zoneId', { zoneId })
      .andWhere('task.status IN (:...statuses)', { statuses: ['scheduled', 'wait-iteration-schedule'] })
      .andWhere('task.nextRunAt IS NOT NULL')
      .orderBy('task.nextRunAt', 'ASC')
      .addOrderBy('task.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** The zone's tasks waiting for delivery, oldest first. */
  waitingTasks(zoneId: number, limit: number): Promise<TaskEntity[]> {
    return this.db.find(TaskEntity, {
      where: { zoneId, status: 'wait-polling' },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /** Non-terminal runs per agent of the zone (their load as the manager knows it). */
  async activeRunCounts(zoneId: number): Promise<Map<number, number>> {
    const rows = await this.db
      .createQueryBuilder(TaskRunEntity, 'run')
      .select('run.agentId', 'agentId')
      .addSelect('COUNT(*)', 'runs')
      .where('run.zoneId = :zoneId', { zoneId })
      .andWhere('run.status NOT IN (:...terminal)', { terminal: TERMINAL })
      .andWhere('run.agentId IS NOT NULL')
      .groupBy('run.agentId')
      .getRawMany<{ agentId: number; runs: number | string }>();
    return new Map(rows.map((row) => [Number(row.agentId), Number(row.runs)]));
  }

  insertRuns(manager: EntityManager, runs: NewTaskRun[]): Promise<TaskRunEntity[]> {
    return manager.save(
      TaskRunEntity,
      runs.map((run) => manager.create(TaskRunEntity, run)),
    );
  }

  /** Runs of the zone handed over but not yet acknowledged by their agent, whose task still wants them. */
  pendingRuns(zoneId: number): Promise<RunWithTask[]> {
    return this.runsWithTask((builder) =>
      builder
        .where('run.zoneId = :zoneId', { zoneId })
        .andWhere('run.status = :handOver', { handOver: 'hand-over' })
        .andWhere('task.status NOT IN (:...terminal)', { terminal: TERMINAL }),
    );
  }

  /** Sets the fencing epoch of runs handed out again under a newer lease. */
  async setLeaseEpoch(manager: EntityManager, runIds: number[], epoch: number, now: Date): Promise<void> {
    if (runIds.length === 0) return;
    await manager.update(
      TaskRunEntity,
      { id: In(runIds), status: 'hand-over' },
      { leaseEpoch: epoch, updatedAt: now },
    );
  }

  stepsOf(taskIds: number[]): Promise<TaskStepEntity[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    return this.db.find(TaskStepEntity, {
      where: { taskId: In(taskIds) },
      order: { taskId: 'ASC', seq: 'ASC' },
    });
  }

  /** Delivered runs of the zone whose task was stopped, canceled or timed out. */
  async zoneCancels(zoneId: number): Promise<{ runId: number; agentKey: string }[]> {
    const rows = await this.cancelQuery().andWhere('run.zoneId = :zoneId', { zoneId }).getMany();
    return rows.map((run) => ({ runId: run.id, agentKey: run.agentKey ?? '' }));
  }

  /** The same, for the runs of one agent. */
  async agentCancels(agentId: number): Promise<number[]> {
    const rows = await this.cancelQuery().andWhere('run.agentId = :agentId', { agentId }).getMany();
    return rows.map((run) => run.id);
  }

  /** Which of `runIds` are runs of the agent that already ended (the manager may have ended them). */
  async finishedRunsOf(agentId: number, runIds: readonly number[]): Promise<number[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db.find(TaskRunEntity, {
      select: { id: true },
      where: { id: In([...runIds]), agentId, status: In(TERMINAL) },
      order: { id: 'ASC' },
    });
    return rows.map((run) => run.id);
  }

  findRun(runId: number, manager: EntityManager = this.db): Promise<TaskRunEntity | null> {
    return manager.findOneBy(TaskRunEntity, { id: runId });
  }

  /**
   * The guarded run update: matches only while the run is still in the status and at the step the
   * caller judged the report against. False when it matched nothing.
   */
  async updateRunGuarded(
    manager: EntityManager,
    run: Pick<TaskRunEntity, 'id' | 'status' | 'currentStep'>,
    set: RunChanges & { updatedAt: Date },
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(TaskRunEntity)
      .set(set)
      .where('id = :id', { id: run.id })
      .andWhere('status = :status', { status: run.status })
      .andWhere('current_step = :currentStep', { currentStep: run.currentStep })
      .execute();
    return (result.affected ?? 0) === 1;
  }

  /** The runs created by the same delivery as `run` (one claim inserts them all at one instant). */
  deliveryOf(
    manager: EntityManager,
    run: Pick<TaskRunEntity, 'taskId' | 'createdAt' | 'attempt'>,
  ): Promise<TaskRunEntity[]> {
    return manager.find(TaskRunEntity, {
      where: { taskId: run.taskId, createdAt: run.createdAt, attempt: run.attempt },
      order: { id: 'ASC' },
    });
  }

  /** Stores a log chunk unless `(runId, seq)` is already there; true when it was stored now. */
  async insertLogChunk(manager: EntityManager, chunk: NewLogChunk): Promise<boolean> {
    const [sql, parameters] = manager
      .createQueryBuilder()
      .insert()
      .into(TaskLogChunkEntity)
      .values(chunk)
      .orIgnore()
      .getQueryAndParameters();
    // Structured result: the affected-row count tells a stored chunk from an ignored duplicate on
    // both databases (the plain InsertResult does not on SQLite).
    const runner = manager.queryRunner;
    if (!runner) throw new Error('insertLogChunk needs a transaction');
    const result = (await runner.query(sql, parameters, true)) as { affected?: number };
    return (result.affected ?? 0) > 0;
  }

  /** Heartbeat of the caller's own unfinished runs among `runIds`. */
  async touchRuns(manager: EntityManager, agentId: number, runIds: number[], now: Date): Promise<void> {
    if (runIds.length === 0) return;
    await manager.update(
      TaskRunEntity,
      { id: In(runIds), agentId, status: Not(In(TERMINAL)) },
      { heartbeatAt: now },
    );
  }

  private cancelQuery() {
    return this.db
      .createQueryBuilder(TaskRunEntity, 'run')
      .innerJoin('run.task', 'task')
      .where('run.status NOT IN (:...terminal)', { terminal: TERMINAL })
      .andWhere('task.status IN (:...canceling)', { canceling: [...CANCELING_TASK_STATUSES] })
      .orderBy('run.id', 'ASC');
  }

  private async runsWithTask(
    filter: (builder: SelectQueryBuilder<TaskRunEntity>) => SelectQueryBuilder<TaskRunEntity>,
  ): Promise<RunWithTask[]> {
    const builder = this.db.createQueryBuilder(TaskRunEntity, 'run').innerJoinAndSelect('run.task', 'task');
    const runs = await filter(builder).orderBy('run.id', 'ASC').getMany();
    return runs.flatMap((run) => (run.task ? [{ run, task: run.task }] : []));
  }
}
