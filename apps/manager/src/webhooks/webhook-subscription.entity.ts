import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TaskEntity } from '../tasks/task.entity';
import { UserEntity } from '../users/user.entity';
import { ZoneEntity } from '../zones/zone.entity';

/**
 * A webhook endpoint; `zoneId` null means every zone. The signing secret is stored encrypted.
 * With `taskId` set it is that task's callback URL instead (one per task, gone with the task): it
 * is not listed as a webhook, but shares the signing, retries and delivery log.
 */
@Entity({ name: 'webhook_subscriptions' })
@Index('uq_webhook_subscriptions_task_id', ['taskId'], { unique: true })
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int', nullable: true })
  zoneId!: number | null;

  @ManyToOne(() => ZoneEntity, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_webhook_subscriptions_zone_id' })
  zone?: ZoneEntity | null;

  @Column({ name: 'url', type: 'varchar', length: 2048 })
  url!: string;

  @Column({ name: 'event_types', type: 'simple-json' })
  eventTypes!: string[];

  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext!: string;

  @Column({ name: 'task_id', type: 'int', nullable: true })
  taskId!: number | null;

  @ManyToOne(() => TaskEntity, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'fk_webhook_subscriptions_task_id' })
  task?: TaskEntity | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'created_by_user_id', type: 'int', nullable: true })
  createdByUserId!: number | null;

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'created_by_user_id',
    foreignKeyConstraintName: 'fk_webhook_subscriptions_created_by_user_id',
  })
  createdBy?: UserEntity | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
