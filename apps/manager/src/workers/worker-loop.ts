import type { Worker } from './worker';
import type { LockPort, LockState } from './worker-lock.repository';

export interface WorkerLoopDeps {
  locks: LockPort;
  /** This process's holder id (`<hostname>:<pid>:<random>`). */
  holder: string;
  ttlMs: number;
  /**
   * Wall-clock time for lock expiries. Deliberately not the injectable business `Clock`: tests move
   * that one across days, which must neither expire nor freeze the locks of other processes.
   */
  now: () => number;
  random: () => number;
  log: { warn(message: string): void; error(message: string): void };
}

/** How long a process that does not hold the lock waits before looking again. */
export function nonHolderDelayMs(
  lock: Pick<LockState, 'expiresAt'> | null,
  nowMs: number,
  ttlMs: number,
  random: () => number,
): number {
  // Never longer than half a TTL (a released lock is noticed soon), never a spin (a floor), and
  // with jitter so several waiting processes do not all ask at the same instant.
  const untilExpiry = lock ? lock.expiresAt.getTime() - nowMs : ttlMs / 2;
  const floor = Math.min(100, ttlMs / 10);
  const jitter = random() * Math.min(1_000, ttlMs / 10);
  return Math.round(Math.max(floor, Math.min(untilExpiry, ttlMs / 2)) + jitter);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one worker in this process: wait for its lock without spinning, run passes while holding
 * it (renewed on a timer every third of the TTL, independently of how long a pass takes), abort
 * the pass at once when the lock is lost, and on stop wait for the pass in flight, then let the
 * lock go so another manager takes over without waiting for the expiry.
 */
export class WorkerLoop {
  private stopping = false;
  private done: Promise<void> | null = null;
  /** Aborted when the current holding ends (lock lost, or stop). */
  private holding: AbortController | null = null;
  private wakeSleep: (() => void) | null = null;
  private heldUntil = 0;
  private everHeld = false;

  constructor(
    private readonly worker: Worker,
    private readonly deps: WorkerLoopDeps,
  ) {}

  start(): void {
    this.done ??= this.loop();
  }

  /** Stops after the pass in flight (which sees its signal aborted) and releases the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.holding?.abort();
    this.wakeSleep?.();
    await this.done;
    if (!this.everHeld) return;
    try {
      await this.deps.locks.release(this.worker.name, this.deps.holder, new Date(this.deps.now()));
    } catch (error) {
      this.deps.log.warn(`worker ${this.worker.name}: could not release its lock: ${messageOf(error)}`);
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const lock = await this.tryAcquire();
      if (lock?.held) {
        await this.hold(lock);
        continue;
      }
      await this.sleep(nonHolderDelayMs(lock, this.deps.now(), this.deps.ttlMs, this.deps.random));
    }
  }

  private async tryAcquire(): Promise<LockState | null> {
    try {
      return await this.deps.locks.acquire(
        this.worker.name,
        this.deps.holder,
        new Date(this.deps.now()),
        this.deps.ttlMs,
      );
    } catch (error) {
      this.deps.log.warn(`worker ${this.worker.name}: lock check failed: ${messageOf(error)}`);
      return null;
    }
  }

  private async hold(lock: LockState): Promise<void> {
    const holding = new AbortController();
    this.holding = holding;
    this.everHeld = true;
    this.heldUntil = lock.expiresAt.getTime();
    let renewing = false;
    const renew = async () => {
      if (renewing || holding.signal.aborted) return;
      renewing = true;
      try {
        const state = await this.deps.locks.acquire(
          this.worker.name,
          this.deps.holder,
          new Date(this.deps.now()),
          this.deps.ttlMs,
        );
        if (state.held && state.epoch === lock.epoch) this.heldUntil = state.expiresAt.getTime();
        else this.lose(holding, `taken by ${state.holder} (epoch ${state.epoch})`);
      } catch (error) {
        // A failed renewal is not a loss yet; it is once the lock may have expired before the next try.
        if (this.deps.now() + this.deps.ttlMs / 3 >= this.heldUntil) {
          this.lose(holding, `could not renew: ${messageOf(error)}`);
        }
      } finally {
        renewing = false;
      }
    };
    const timer = setInterval(() => void renew(), Math.max(1, Math.floor(this.deps.ttlMs / 3)));
    try {
      while (!holding.signal.aborted) {
        const again = await this.pass(holding.signal, lock.epoch);
        if (holding.signal.aborted) break;
        if (again) await new Promise<void>((resolve) => setImmediate(resolve));
        else await this.sleep(this.worker.intervalMs, holding.signal);
      }
    } finally {
      clearInterval(timer);
      holding.abort();
      if (this.holding === holding) this.holding = null;
    }
  }

  private lose(holding: AbortController, why: string): void {
    if (holding.signal.aborted) return;
    this.deps.log.warn(`worker ${this.worker.name}: lost its lock (${why}); its pass stops`);
    holding.abort();
  }

  /** One pass; errors are logged and the loop goes on after the interval. True to run again at once. */
  private async pass(signal: AbortSignal, epoch: number): Promise<boolean> {
    try {
      const result = await this.worker.runOnce({ signal, epoch });
      return result?.again === true;
    } catch (error) {
      if (!signal.aborted) {
        // The message only: no stack trace ever reaches a log line.
        this.deps.log.error(`worker ${this.worker.name}: pass failed: ${messageOf(error)}`);
      }
      return false;
    }
  }

  /** Resolves after `ms`, or at once when the loop stops or `signal` aborts. */
  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.stopping || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        if (this.wakeSleep === finish) this.wakeSleep = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      signal?.addEventListener('abort', finish, { once: true });
      this.wakeSleep = finish;
    });
  }
}
