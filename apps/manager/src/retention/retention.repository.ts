import { Injectable } from '@nestjs/common';
import { terminalTaskStatuses } from '@outpost/shared';
import { DataSource } from 'typeorm';
import { EventEntity } from '../events/event.entity';
import { TaskLogChunkEntity } from '../tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../tasks/task-run.entity';
import { TaskEntity } from '../tasks/task.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';

const TERMINAL = [...terminalTaskStatuses];

/**
 * Bounded deletes for retention: each call picks at most `limit` rows, then deletes exactly those
 * with the condition checked again in the DELETE (MySQL cannot delete from a table it selects
 * from in a subquery, and a row may have changed in between).
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Log chunks older than `before` of runs that finished before it. Returns how many went. */
  async deleteOldLogChunks(before: Date, limit: number): Promise<number> {
    const rows = await this.dataSource
      .createQueryBuilder(TaskLogChunkEntity, 'chunk')
      .innerJoin(TaskRunEntity, 'run', 'run.id = chunk.runId')
      .select('chunk.runId', 'runId')
      .addSelect('chunk.seq', 'seq')
      .where('run.status IN (:...terminal)', { terminal: TERMINAL })
      .andWhere('run.finishedAt < :before', { before })
      .andWhere('chunk.createdAt < :before', { before })
      .orderBy('chunk.runId', 'ASC')
      .addOrderBy('chunk.seq', 'ASC')
      .limit(limit)
      .getRawMany<{ runId: number | string; seq: number | string }>();
    const seqsByRun = new Map<number, number[]>();
    for (const row of rows) {
      const seqs = seqsByRun.get(Number(row.runId)) ?? [];
      seqs.push(Number(row.seq));
      seqsByRun.set(Number(row.runId), seqs);
    }
    let deleted = 0;
    for (const [runId, seqs] of seqsByRun) {
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(TaskLogChunkEntity)
        .where('run_id = :runId', { runId })
        .andWhere('seq IN (:...seqs)', { seqs })
        .andWhere('created_at < :before', { before })
        .execute();
      deleted += result.affected ?? 0;
    }
    return deleted;
  }

  /** Tasks finished before `before`; steps, runs and logs go with them (ON DELETE CASCADE). */
  async deleteFinishedTasks(before: Date, limit: number): Promise<number> {
    const ids = (
      await this.dataSource
        .createQueryBuilder(TaskEntity, 'task')
        .select('task.id', 'id')
        .where('task.status IN (:...terminal)', { terminal: TERMINAL })
        .andWhere('task.finishedAt < :before', { before })
        .orderBy('task.finishedAt', 'ASC')
        .addOrderBy('task.id', 'ASC')
        .limit(limit)
        .getRawMany<{ id: number | string }>()
    ).map((row) => Number(row.id));
    if (ids.length === 0) return 0;
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(TaskEntity)
      .where('id IN (:...ids)', { ids })
      .andWhere('status IN (:...terminal)', { terminal: TERMINAL })
      .andWhere('finished_at < :before', { before })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * Events that occurred before `before`, were published, and have no webhook delivery still
   * pending (delivered and dead deliveries go with the event: ON DELETE CASCADE).
   */
  async deleteDeliveredEvents(before: Date, limit: number): Promise<number> {
    const pending = this.dataSource
      .createQueryBuilder()
      .subQuery()
      .select('1')
      .from(WebhookDeliveryEntity, 'delivery')
      .where('delivery.eventId = event.id')
      .andWhere("delivery.status = 'pending'")
      .getQuery();
    const ids = (
      await this.dataSource
        .createQueryBuilder(EventEntity, 'event')
        .select('event.id', 'id')
        .where('event.publishedAt IS NOT NULL')
        .andWhere('event.occurredAt < :before', { before })
        .andWhere(`NOT EXISTS ${pending}`)
        .orderBy('event.id', 'ASC')
        .limit(limit)
        .getRawMany<{ id: number | string }>()
    ).map((row) => Number(row.id));
    if (ids.length === 0) return 0;
    // Checked again in the DELETE: a delivery queued for one of them meanwhile keeps it.
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(EventEntity)
      .where('id IN (:...ids)', { ids })
      .andWhere('published_at IS NOT NULL')
      .andWhere(
        "NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id AND d.status = 'pending')",
      )
      .execute();
    return result.affected ?? 0;
  }
}
