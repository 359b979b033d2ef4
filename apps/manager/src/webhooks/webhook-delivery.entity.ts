import type { WebhookDeliveryStatus } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { EventEntity } from '../events/event.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export type { WebhookDeliveryStatus };

@Entity({ name: 'webhook_deliveries' })
@Unique('uq_webhook_deliveries_subscription_id_event_id', ['subscriptionId', 'eventId'])
@Index('idx_webhook_deliveries_status_next_attempt_at', ['status', 'nextAttemptAt'])
@Index('idx_webhook_deliveries_subscription_id_task_id_event_id', ['subscriptionId', 'taskId', 'eventId'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'subscription_id', type: 'int' })
  subscriptionId!: number;

  @ManyToOne(() => WebhookSubscriptionEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id', foreignKeyConstraintName: 'fk_webhook_deliveries_subscription_id' })
  subscription?: WebhookSubscriptionEntity;

  @Column({ name: 'event_id', type: 'int' })
  eventId!: number;

  @ManyToOne(() => EventEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'fk_webhook_deliveries_event_id' })
  event?: EventEntity;

  /** The event's task, copied: a task's deliveries to one subscription go out in event order. */
  @Column({ name: 'task_id', type: 'int', nullable: true })
  taskId!: number | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: WebhookDeliveryStatus;

  @Column({ name: 'attempts', type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_response_code', type: 'int', nullable: true })
  lastResponseCode!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
