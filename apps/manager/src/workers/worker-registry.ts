import { Injectable } from '@nestjs/common';
import type { Worker } from './worker';
import { isWorkerName, WORKER_NAMES } from './worker-names';

/**
 * The workers of this manager. Feature modules register theirs in `onModuleInit`; the WorkerHost
 * starts them once the application has booted (global, so any feature module can inject it).
 */
@Injectable()
export class WorkerRegistry {
  private readonly workers = new Map<string, Worker>();

  register(worker: Worker): void {
    if (!isWorkerName(worker.name)) {
      throw new Error(
        `worker ${worker.name} is not in WORKER_NAMES (${WORKER_NAMES.join(', ')}); add it in workers/worker-names.ts`,
      );
    }
    if (this.workers.has(worker.name)) throw new Error(`worker ${worker.name} is registered twice`);
    if (!(worker.intervalMs > 0)) throw new Error(`worker ${worker.name} needs a positive intervalMs`);
    this.workers.set(worker.name, worker);
  }

  all(): Worker[] {
    return [...this.workers.values()];
  }

  get(name: string): Worker | undefined {
    return this.workers.get(name);
  }
}
