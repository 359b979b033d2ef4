import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Worker, WorkerContext } from '../workers/worker';
import { WorkerRegistry } from '../workers/worker-registry';
import { AgentLiveness, LIVENESS_INTERVAL_MS } from './agent-liveness.service';

/** Worker `agent-liveness`: marks silent agents suspect, then offline. */
@Injectable()
export class AgentLivenessWorker implements Worker, OnModuleInit {
  readonly name = 'agent-liveness';
  readonly intervalMs = LIVENESS_INTERVAL_MS;

  constructor(
    private readonly liveness: AgentLiveness,
    private readonly registry: WorkerRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    const { more } = await this.liveness.check(context.epoch, context.signal);
    return { again: more };
  }
}
