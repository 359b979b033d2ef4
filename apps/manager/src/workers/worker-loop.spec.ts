import { describe, expect, it } from 'vitest';
import type { Worker, WorkerContext } from './worker';
import type { LockPort, LockState } from './worker-lock.repository';
import { nonHolderDelayMs, WorkerLoop } from './worker-loop';

/** The lock row's rules (worker-lock.repository.ts) in memory. */
class MemoryLock implements LockPort {
  holder = '';
  epoch = 0;
  expiresAt = new Date(0);
  calls = new Map<string, number>();

  async acquire(_name: string, holder: string, now: Date, ttlMs: number): Promise<LockState> {
    this.calls.set(holder, (this.calls.get(holder) ?? 0) + 1);
    const free = this.expiresAt.getTime() < now.getTime() || this.holder === holder;
    if (free) {
      if (this.holder !== holder) this.epoch += 1;
      this.holder = holder;
      this.expiresAt = new Date(now.getTime() + ttlMs);
    }
    return { held: free, holder: this.holder, epoch: this.epoch, expiresAt: this.expiresAt };
  }

  async release(_name: string, holder: string, now: Date): Promise<void> {
    if (this.holder === holder && this.expiresAt > now) this.expiresAt = now;
  }

  /** Another process takes the lock (as after this one's lease lapsed). */
  steal(by: string, ttlMs: number): void {
    this.holder = by;
    this.epoch += 1;
    this.expiresAt = new Date(Date.now() + ttlMs);
  }
}

class CountingWorker implements Worker {
  readonly name = 'task-scheduler';
  passes = 0;
  signals: AbortSignal[] = [];
  constructor(
    readonly intervalMs: number,
    private readonly body: (context: WorkerContext) => Promise<void> = async () => undefined,
  ) {}

  async runOnce(context: WorkerContext): Promise<void> {
    this.passes += 1;
    this.signals.push(context.signal);
    await this.body(context);
  }
}

const silent = { warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function loop(worker: Worker, locks: LockPort, holder: string, ttlMs: number): WorkerLoop {
  return new WorkerLoop(worker, {
    locks,
    holder,
    ttlMs,
    now: () => Date.now(),
    random: () => 0.5,
    log: silent,
  });
}

describe('nonHolderDelayMs', () => {
  it('waits until the expiry, at most half a TTL, at least a floor, plus jitter', () => {
    const now = 1_000_000;
    const at = (ms: number) => ({ expiresAt: new Date(now + ms) });
    expect(nonHolderDelayMs(at(2_000), now, 15_000, () => 0)).toBe(2_000);
    expect(nonHolderDelayMs(at(14_000), now, 15_000, () => 0)).toBe(7_500);
    expect(nonHolderDelayMs(at(-5_000), now, 15_000, () => 0)).toBe(100);
    expect(nonHolderDelayMs(null, now, 15_000, () => 0)).toBe(7_500);
    expect(nonHolderDelayMs(at(2_000), now, 15_000, () => 1)).toBe(3_000);
  });
});

describe('WorkerLoop', () => {
  it('runs passes in exactly one of two processes, and the other asks for the lock only a few times', async () => {
    const lock = new MemoryLock();
    const a = new CountingWorker(20);
    const b = new CountingWorker(20);
    const first = loop(a, lock, 'a', 600);
    first.start();
    await sleep(50);
    const second = loop(b, lock, 'b', 600);
    second.start();
    await sleep(1_500);
    expect(a.passes).toBeGreaterThan(10);
    expect(b.passes).toBe(0);
    // Waiting ≈ 1.5 s with a 600 ms TTL: checks every ~300 ms at most, never a spin.
    expect(lock.calls.get('b')).toBeLessThanOrEqual(7);
    await first.stop();
    await second.stop();
  });

  it('lets the other process take over within one TTL once the holder stops', async () => {
    const lock = new MemoryLock();
    const a = new CountingWorker(20);
    const b = new CountingWorker(20);
    const first = loop(a, lock, 'a', 600);
    const second = loop(b, lock, 'b', 600);
    first.start();
    await sleep(50);
    second.start();
    await sleep(200);
    const stoppedAt = Date.now();
    await first.stop();
    const before = a.passes;
    while (b.passes === 0 && Date.now() - stoppedAt < 2_000) await sleep(10);
    expect(Date.now() - stoppedAt).toBeLessThan(600);
    expect(lock.holder).toBe('b');
    expect(lock.epoch).toBe(2);
    expect(a.passes).toBe(before);
    await second.stop();
  });

  it('aborts the pass in flight as soon as the lock is lost, and stops running passes', async () => {
    const lock = new MemoryLock();
    let abortedAt = 0;
    const worker = new CountingWorker(10, async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedAt = Date.now();
    });
    const running = loop(worker, lock, 'a', 600);
    running.start();
    await sleep(50);
    const stolenAt = Date.now();
    lock.steal('b', 60_000);
    while (abortedAt === 0 && Date.now() - stolenAt < 2_000) await sleep(10);
    // Renewal runs every TTL/3 = 200 ms; the loss is noticed at the next one.
    expect(abortedAt - stolenAt).toBeLessThan(400);
    expect(worker.signals[0]?.aborted).toBe(true);
    await sleep(300);
    expect(worker.passes).toBe(1);
    await running.stop();
  });

  it('on stop, waits for the pass in flight, then releases the lock', async () => {
    const lock = new MemoryLock();
    let finished = false;
    const worker = new CountingWorker(10, async () => {
      await sleep(200);
      finished = true;
    });
    const running = loop(worker, lock, 'a', 10_000);
    running.start();
    await sleep(50);
    await running.stop();
    expect(finished).toBe(true);
    expect(lock.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('keeps running after a failed pass', async () => {
    const lock = new MemoryLock();
    const worker = new CountingWorker(10, async () => {
      throw new Error('boom');
    });
    const running = loop(worker, lock, 'a', 1_000);
    running.start();
    await sleep(200);
    await running.stop();
    expect(worker.passes).toBeGreaterThan(3);
  });
});
