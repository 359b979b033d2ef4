import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskEntity } from '../tasks/task.entity';

@Injectable()
export class LiveRepository {
  constructor(private readonly dataSource: DataSource) {}

  taskExists(taskId: number): Promise<boolean> {
    return this.dataSource.manager.exists(TaskEntity, { where: { id: taskId } });
  }
}
