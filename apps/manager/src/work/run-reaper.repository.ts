import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { TaskRunEntity } from '../tasks/task-run.entity';
import { TIMEOUT_GRACE_MS, EXECUTING_RUN_STATUSES, UNSTARTED_RUN_STATUSES } from './reap-rules';

const UNFINISHED = [...UNSTARTED_RUN_STATUSES, ...EXECUTING_RUN_STATUSES];

/**
 * The run reaper's candidate queries, across all zones (the reaper is one worker for the whole
 * manager). They only nominate runs: each one is judged again on rows read with a lock in the
 * transaction that ends it (reap-rules.ts).
 */
@Injectable()
export class RunReaperRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Unfinished runs whose agent is offline, retired or deleted. */
  async runsOfLostAgents(limit: number): Promise<number[]> {
    const rows = await this.dataSource
      .createQueryBuilder(TaskRunEntity, 'run')
      .leftJoin(AgentEntity, 'agent', 'agent.id = run.agentId')
      .select('run.id', 'id')
      .where('run.status IN (:...unfinished)', { unfinished: UNFINISHED })
      .andWhere("(run.agentId IS NULL OR agent.id IS NULL OR agent.state IN ('offline', 'retired'))")
      .orderBy('run.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string }>();
    return rows.map((row) => Number(row.id));
  }

  /** Executing runs with neither a heartbeat nor a status change since `before`. */
  async silentRuns(before: Date, limit: number): Promise<number[]> {
    const rows = await this.dataSource
      .createQueryBuilder(TaskRunEntity, 'run')
      .select('run.id', 'id')
      .where('run.status IN (:...executing)', { executing: [...EXECUTING_RUN_STATUSES] })
      .andWhere('(run.heartbeatAt IS NULL OR run.heartbeatAt < :before) AND run.updatedAt < :before', {
        before,
      })
      .orderBy('run.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number | string }>();
    return rows.map((row) => Number(row.id));
  }

  /**
   * Executing runs of tasks with a timeout that started more than the grace plus one second ago
   * (the smallest timeout), oldest first; the reaper checks each one's own timeout. Datetime
   * arithmetic differs between MySQL and SQLite, so the per-task deadline is compared in code.
   */
  async timeoutCandidates(
    now: Date,
    limit: number,
  ): Promise<{ id: number; startedAt: Date | null; updatedAt: Date; timeoutSeconds: number }[]> {
    const startedBefore = new Date(now.getTime() - TIMEOUT_GRACE_MS - 1_000);
    const runs = await this.dataSource
      .createQueryBuilder(TaskRunEntity, 'run')
      .innerJoinAndSelect('run.task', 'task')
      .where('run.status IN (:...executing)', { executing: [...EXECUTING_RUN_STATUSES] })
      .andWhere('task.timeoutSeconds > 0')
      .andWhere(
        '(run.startedAt < :startedBefore OR (run.startedAt IS NULL AND run.updatedAt < :startedBefore))',
        { startedBefore },
      )
      .orderBy('run.startedAt', 'ASC')
      .addOrderBy('run.id', 'ASC')
      .limit(limit)
      .getMany();
    return runs.map((run) => ({
      id: run.id,
      startedAt: run.startedAt,
      updatedAt: run.updatedAt,
      timeoutSeconds: run.task?.timeoutSeconds ?? 0,
    }));
  }

  findAgentState(manager: EntityManager, agentId: number | null): Promise<AgentEntity | null> {
    if (agentId === null) return Promise.resolve(null);
    return manager.findOne(AgentEntity, { select: { id: true, state: true }, where: { id: agentId } });
  }
}
