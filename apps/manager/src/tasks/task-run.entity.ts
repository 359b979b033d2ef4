import type { TaskStatus } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { ZoneEntity } from '../zones/zone.entity';
import { TaskEntity } from './task.entity';

/** One execution of a task by one agent. */
@Entity({ name: 'task_runs' })
@Index('idx_task_runs_task_id', ['taskId'])
@Index('idx_task_runs_status_heartbeat_at', ['status', 'heartbeatAt'])
export class TaskRunEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'task_id', type: 'int' })
  taskId!: number;

  @ManyToOne(() => TaskEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'fk_task_runs_task_id' })
  task?: TaskEntity;

  @Column({ name: 'zone_id', type: 'int' })
  zoneId!: number;

  @ManyToOne(() => ZoneEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'zone_id', foreignKeyConstraintName: 'fk_task_runs_zone_id' })
  zone?: ZoneEntity;

  @Column({ name: 'agent_id', type: 'int', nullable: true })
  agentId!: number | null;

  @ManyToOne(() => AgentEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'agent_id', foreignKeyConstraintName: 'fk_task_runs_agent_id' })
  agent?: AgentEntity | null;

  /** Kept even after the agent row is gone, so history still says who ran it. */
  @Column({ name: 'agent_key', type: 'varchar', length: 64, nullable: true })
  agentKey!: string | null;

  @Column({ name: 'attempt', type: 'int' })
  attempt!: number;

  @Column({ name: 'status', type: 'varchar', length: 32 })
  status!: TaskStatus;

  /** The zone lease epoch the run was handed out under (fencing token). */
  @Column({ name: 'lease_epoch', type: 'int', nullable: true })
  leaseEpoch!: number | null;

  @Column({ name: 'current_step', type: 'int', default: 0 })
  currentStep!: number;

  @Column({ name: 'failed_step', type: 'int', nullable: true })
  failedStep!: number | null;

  @Column({ name: 'result', type: 'text', nullable: true })
  result!: string | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'heartbeat_at', type: 'datetime', precision: 3, nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
