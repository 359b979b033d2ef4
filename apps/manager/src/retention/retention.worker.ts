import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Worker, WorkerContext } from '../workers/worker';
import { WorkerRegistry } from '../workers/worker-registry';
import { RetentionService } from './retention.service';

/** Worker `retention`: deletes old logs, finished tasks and delivered events, a batch at a time. */
@Injectable()
export class RetentionWorker implements Worker, OnModuleInit {
  readonly name = 'retention';
  /** Hourly is plenty for day-granular retention; a full batch runs the next pass at once. */
  readonly intervalMs = 3_600_000;

  constructor(
    private readonly retention: RetentionService,
    private readonly registry: WorkerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    const { more } = await this.retention.pass(context.signal);
    return { again: more };
  }
}
