import { Injectable } from '@nestjs/common';
import { DataSource, In, IsNull, MoreThan } from 'typeorm';
import type { FindOptionsWhere } from 'typeorm';
import { EventEntity } from '../events/event.entity';

export interface OutboxFilter {
  zoneId?: number | undefined;
  taskId?: number | undefined;
}

/**
 * Reads and marks the events outbox for publication and replay. `published_at` is written here
 * only, and only for events the bus confirmed.
 */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The oldest unpublished events, in id order (index idx_events_published_at_id). */
  unpublished(limit: number): Promise<EventEntity[]> {
    return this.dataSource.manager.find(EventEntity, {
      where: { publishedAt: IsNull() },
      order: { id: 'ASC' },
      take: limit,
    });
  }

  /** Marks the events published; an event already marked keeps its first time. */
  async markPublished(ids: readonly number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource
      .createQueryBuilder()
      .update(EventEntity)
      .set({ publishedAt: at })
      .where({ id: In([...ids]), publishedAt: IsNull() })
      .execute();
  }

  countUnpublished(): Promise<number> {
    return this.dataSource.manager.count(EventEntity, { where: { publishedAt: IsNull() } });
  }

  /**
   * Events after `afterId` (optionally of one zone or task), oldest first, at most `limit`: the
   * NEWEST `limit` when there are more, with `truncated` set, so a client that was away long gets
   * the current state rather than an old slice of history.
   */
  async after(
    afterId: number,
    filter: OutboxFilter,
    limit: number,
  ): Promise<{ events: EventEntity[]; truncated: boolean }> {
    if (limit <= 0) return { events: [], truncated: false };
    const where: FindOptionsWhere<EventEntity> = { id: MoreThan(afterId) };
    if (filter.zoneId !== undefined) where.zoneId = filter.zoneId;
    if (filter.taskId !== undefined) where.taskId = filter.taskId;
    const newest = await this.dataSource.manager.find(EventEntity, {
      where,
      order: { id: 'DESC' },
      take: limit + 1,
    });
    const truncated = newest.length > limit;
    return { events: newest.slice(0, limit).reverse(), truncated };
  }
}
