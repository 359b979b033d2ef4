import type { EventFilter, Labels, OverlapPolicy, TaskStatus, TaskTarget, TaskType } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { ZoneEntity } from '../zones/zone.entity';

@Entity({ name: 'tasks' })
@Index('idx_tasks_zone_id_status', ['zoneId', 'status'])
@Index('idx_tasks_status_next_run_at', ['status', 'nextRunAt'])
@Index('idx_tasks_created_at', ['createdAt'])
export class TaskEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_tasks_zone_id' })
  zone?: ZoneEntity;

  @Column({ name: 'name', type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'task_type', type: 'varchar', length: 16 })
  taskType!: TaskType;

  @Column({ name: 'status', type: 'varchar', length: 32 })
  status!: TaskStatus;

  @Column({ name: 'target_kind', type: 'varchar', length: 16 })
  targetKind!: TaskTarget['kind'];

  @Column({ name: 'target_agent_key', type: 'varchar', length: 64, nullable: true })
  targetAgentKey!: string | null;

  @Column({ name: 'target_labels', type: 'simple-json', nullable: true })
  targetLabels!: Labels | null;

  @Column({ name: 'exe_agent_changeable', type: 'boolean' })
  exeAgentChangeable!: boolean;

  @Column({ name: 'schedule_at', type: 'datetime', precision: 3, nullable: true })
  scheduleAt!: Date | null;

  @Column({ name: 'cron', type: 'varchar', length: 100, nullable: true })
  cron!: string | null;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone!: string;

  @Column({ name: 'until_at', type: 'datetime', precision: 3, nullable: true })
  untilAt!: Date | null;

  @Column({ name: 'timeout_seconds', type: 'int', default: 0 })
  timeoutSeconds!: number;

  @Column({ name: 'max_retries', type: 'int', default: 0 })
  maxRetries!: number;

  @Column({ name: 'retry_backoff_seconds', type: 'int', default: 10 })
  retryBackoffSeconds!: number;

  @Column({ name: 'attempt', type: 'int', default: 0 })
  attempt!: number;

  @Column({ name: 'overlap_policy', type: 'varchar', length: 16, default: 'skip' })
  overlapPolicy!: OverlapPolicy;

  @Column({ name: 'parameter', type: 'text' })
  parameter!: string;

  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl!: string | null;

  @Column({ name: 'show_log', type: 'boolean' })
  showLog!: boolean;

  @Column({ name: 'event_filter', type: 'varchar', length: 32 })
  eventFilter!: EventFilter;

  @Column({ name: 'total_step_count', type: 'int' })
  totalStepCount!: number;

  @Column({ name: 'current_step', type: 'int', default: 0 })
  currentStep!: number;

  @Column({ name: 'failed_step', type: 'int', nullable: true })
  failedStep!: number | null;

  @Column({ name: 'has_recover', type: 'boolean' })
  hasRecover!: boolean;

  @Column({ name: 'is_failed_recover', type: 'boolean', default: false })
  isFailedRecover!: boolean;

  @Column({ name: 'result', type: 'text', nullable: true })
  result!: string | null;

  @Column({ name: 'exe_agent_key', type: 'varchar', length: 64, nullable: true })
  exeAgentKey!: string | null;

  @Column({ name: 'next_run_at', type: 'datetime', precision: 3, nullable: true })
  nextRunAt!: Date | null;

  @Column({ name: 'created_by_user_id', type: 'int', nullable: true })
  createdByUserId!: number | null;

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by_user_id', foreignKeyConstraintName: 'fk_tasks_created_by_user_id' })
  createdBy?: UserEntity | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
