import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How far a consumer of the outbox has read it: every event with an id up to `lastEventId` has been
 * handled. One row per consumer (e.g. 'webhook-fanout'); `events.published_at` belongs to the
 * RabbitMQ publisher and is not shared.
 */
@Entity({ name: 'event_cursors' })
export class EventCursorEntity {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'last_event_id', type: 'int' })
  lastEventId!: number;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
