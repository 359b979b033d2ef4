import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Worker, WorkerContext } from '../workers/worker';
import { WorkerRegistry } from '../workers/worker-registry';
import { RunReaper } from './run-reaper';

/** Worker `run-reaper`: ends runs of lost agents, silent runs and runs past their timeout. */
@Injectable()
export class RunReaperWorker implements Worker, OnModuleInit {
  readonly name = 'run-reaper';
  readonly intervalMs = 5_000;

  constructor(
    private readonly reaper: RunReaper,
    private readonly registry: WorkerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    const { reaped, more } = await this.reaper.reap(context.signal);
    // Again at once only while a full batch made progress: failing runs must not spin the loop.
    return { again: more && reaped > 0 };
  }
}
