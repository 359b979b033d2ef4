import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { WorkerLockRepository } from './worker-lock.repository';
import { WorkerLoop } from './worker-loop';
import { WorkerRegistry } from './worker-registry';

/** `<hostname>:<pid>:<random>`: unique per manager instance, readable in `worker_locks`. */
export function newHolderId(): string {
  return `${hostname().slice(0, 80)}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

/**
 * Starts every registered worker enabled by OUTPOST_WORKERS when the application has booted, and
 * stops them before it shuts down (awaiting the passes in flight, then releasing their locks while
 * the database is still open).
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Workers');
  private readonly loops = new Map<string, WorkerLoop>();
  readonly holder = newHolderId();

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly locks: WorkerLockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const enabled = new Set<string>(this.config.workers.enabled);
    for (const worker of this.registry.all()) {
      if (!enabled.has(worker.name)) continue;
      const loop = new WorkerLoop(worker, {
        locks: this.locks,
        holder: this.holder,
        ttlMs: this.config.workers.lockTtlMs,
        now: () => Date.now(),
        random: Math.random,
        log: this.logger,
      });
      this.loops.set(worker.name, loop);
      loop.start();
    }
    if (this.loops.size > 0) {
      this.logger.log(`workers started as ${this.holder}: ${[...this.loops.keys()].join(', ')}`);
    }
  }

  /** Names of the workers this process runs (each only while it holds the lock). */
  running(): string[] {
    return [...this.loops.keys()];
  }

  async beforeApplicationShutdown(): Promise<void> {
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all(loops.map((loop) => loop.stop()));
  }
}
