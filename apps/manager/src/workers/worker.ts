/**
 * A background job of the manager. Each worker runs only in the manager process that holds its
 * row in `worker_locks` (name, holder, fencing epoch, expiry); the host renews the lock on a timer
 * and waits without spinning when another process holds it. Workers stay small: one job each,
 * thin adapters that call a feature service.
 */
export interface Worker {
  /** Lock name, unique (e.g. 'agent-liveness'). */
  readonly name: string;
  /** Pause between two runs while this process holds the lock. */
  readonly intervalMs: number;
  /**
   * One pass. `signal` aborts when the lock is lost or the manager stops: stop at the next safe
   * point. Return `{ again: true }` to run the next pass at once (more work is waiting).
   */
  runOnce(context: WorkerContext): Promise<void | { again: boolean }>;
}

export interface WorkerContext {
  signal: AbortSignal;
  /** The lock's fencing epoch for this holding; include it in guarded writes where it matters. */
  epoch: number;
}

/**
 * Feature modules register their workers with the global `WorkerRegistry` (workers module) in
 * `onModuleInit`; the host starts every registered worker once the application has booted.
 */
