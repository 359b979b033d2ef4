import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Worker, WorkerContext } from '../workers/worker';
import { WorkerRegistry } from '../workers/worker-registry';
import { TaskScheduler } from './task-scheduler.service';

/** Worker `task-scheduler`: releases due tasks of every zone and applies the overlap policy. */
@Injectable()
export class TaskSchedulerWorker implements Worker, OnModuleInit {
  readonly name = 'task-scheduler';
  readonly intervalMs = 1_000;

  constructor(
    private readonly scheduler: TaskScheduler,
    private readonly registry: WorkerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    const { more } = await this.scheduler.pass(context.signal);
    return { again: more };
  }
}
