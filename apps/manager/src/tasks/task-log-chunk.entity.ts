import type { logStreams } from '@outpost/shared';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TaskRunEntity } from './task-run.entity';
import { TaskEntity } from './task.entity';

/** Append-only, sequence-numbered log output of a run. */
@Entity({ name: 'task_log_chunks' })
@Index('idx_task_log_chunks_task_id', ['taskId'])
export class TaskLogChunkEntity {
  @PrimaryColumn({ name: 'run_id', type: 'int' })
  runId!: number;

  @ManyToOne(() => TaskRunEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_task_log_chunks_run_id' })
  run?: TaskRunEntity;

  @PrimaryColumn({ name: 'seq', type: 'int' })
  seq!: number;

  @Column({ name: 'task_id', type: 'int' })
  taskId!: number;

  @ManyToOne(() => TaskEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'fk_task_log_chunks_task_id' })
  task?: TaskEntity;

  @Column({ name: 'step_seq', type: 'int', nullable: true })
  stepSeq!: number | null;

  @Column({ name: 'stream', type: 'varchar', length: 8 })
  stream!: (typeof logStreams)[number];

  @Column({ name: 'content', type: 'text' })
  content!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
