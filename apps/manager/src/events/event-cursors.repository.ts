import { Injectable } from '@nestjs/common';
import { type EntityManager, MoreThan } from 'typeorm';
import { isUniqueViolation } from '../database/db-errors';
import { EventCursorEntity } from './event-cursor.entity';
import { EventEntity } from './event.entity';

/** Outbox consumers that read by id (not `published_at`, which is the RabbitMQ publisher's). */
@Injectable()
export class EventCursors {
  /**
   * The consumer's cursor. The first time, it starts at the newest event: a new consumer handles
   * what happens from now on, not the whole history.
   */
  async read(name: string, now: Date, manager: EntityManager): Promise<number> {
    const found = await manager.findOneBy(EventCursorEntity, { name });
    if (found) return found.lastEventId;
    const newest = await manager.find(EventEntity, { select: { id: true }, order: { id: 'DESC' }, take: 1 });
    const lastEventId = newest[0]?.id ?? 0;
    try {
      await manager.insert(EventCursorEntity, { name, lastEventId, updatedAt: now });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (await manager.findOneByOrFail(EventCursorEntity, { name })).lastEventId;
    }
    return lastEventId;
  }

  /** Moves the cursor from `from` to `to`; false when someone else moved it meanwhile. */
  async advance(name: string, from: number, to: number, now: Date, manager: EntityManager): Promise<boolean> {
    const result = await manager.update(
      EventCursorEntity,
      { name, lastEventId: from },
      { lastEventId: to, updatedAt: now },
    );
    return (result.affected ?? 0) === 1;
  }

  /** Events after the cursor, oldest first. */
  after(cursor: number, limit: number, manager: EntityManager): Promise<EventEntity[]> {
    return manager.find(EventEntity, { where: { id: MoreThan(cursor) }, order: { id: 'ASC' }, take: limit });
  }
}
