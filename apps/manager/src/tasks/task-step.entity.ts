import type { stepCommandTypes } from '@outpost/shared';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { TaskEntity } from './task.entity';

@Entity({ name: 'task_steps' })
@Unique('uq_task_steps_task_id_seq', ['taskId', 'seq'])
export class TaskStepEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  @Column({ name: 'task_id', type: 'int' })
  taskId!: number;

  @ManyToOne(() => TaskEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'fk_task_steps_task_id' })
  task?: TaskEntity;

  @Column({ name: 'seq', type: 'int' })
  seq!: number;

  @Column({ name: 'command_name', type: 'varchar', length: 100 })
  commandName!: string;

  @Column({ name: 'command_type', type: 'varchar', length: 16 })
  commandType!: (typeof stepCommandTypes)[number];

  @Column({ name: 'command', type: 'text' })
  command!: string;

  @Column({ name: 'is_recover', type: 'boolean' })
  isRecover!: boolean;
}
