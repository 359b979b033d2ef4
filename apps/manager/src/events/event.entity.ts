import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The outbox: a durable record of something that happened. Zone, task and agent ids are plain
 * columns without foreign keys on purpose: events outlive the rows they talk about.
 */
@Entity({ name: 'events' })
@Index('idx_events_published_at_id', ['publishedAt', 'id'])
@Index('idx_events_zone_id_id', ['zoneId', 'id'])
@Index('idx_events_task_id_id', ['taskId', 'id'])
export class EventEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'type', type: 'varchar', length: 64 })
  type!: string;

  @Column({ name: 'schema_version', type: 'int' })
  schemaVersion!: number;

  @Column({ name: 'zone_id', type: 'int', nullable: true })
  zoneId!: number | null;

  @Column({ name: 'task_id', type: 'int', nullable: true })
  taskId!: number | null;

  @Column({ name: 'agent_id', type: 'int', nullable: true })
  agentId!: number | null;

  @Column({ name: 'payload', type: 'simple-json' })
  payload!: Record<string, unknown>;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt!: Date;

  @Column({ name: 'published_at', type: 'datetime', precision: 3, nullable: true })
  publishedAt!: Date | null;
}
