import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkSignal } from './work-signal';

describe('WorkSignal', () => {
  afterEach(() => vi.useRealTimers());

  it('wakes every wait of the notified zone with true', async () => {
    const signal = new WorkSignal();
    const first = signal.wait(1, 10_000);
    const second = signal.wait(1, 10_000);
    expect(signal.waiting(1)).toBe(2);
    signal.notify(1);
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(signal.waiting(1)).toBe(0);
  });

  it('counts every wake of a zone in its version, with or without a waiting poll', () => {
    const signal = new WorkSignal();
    expect(signal.version(1)).toBe(0);
    signal.notify(1);
    signal.wake(1); // a wake-up relayed from another manager counts the same
    expect(signal.version(1)).toBe(2);
    expect(signal.version(2)).toBe(0);
  });

  it('leaves the waits of other zones alone', async () => {
    vi.useFakeTimers();
    const signal = new WorkSignal();
    const other = signal.wait(2, 1_000);
    signal.notify(1);
    expect(signal.waiting(2)).toBe(1);
    vi.advanceTimersByTime(1_000);
    await expect(other).resolves.toBe(false);
  });

  it('answers false when the time is up, and forgets the wait', async () => {
    vi.useFakeTimers();
    const signal = new WorkSignal();
    const waiting = signal.wait(1, 500);
    vi.advanceTimersByTime(499);
    expect(signal.waiting(1)).toBe(1);
    vi.advanceTimersByTime(1);
    await expect(waiting).resolves.toBe(false);
    expect(signal.waiting(1)).toBe(0);
  });

  it('answers false at once when aborted, and for an already aborted signal', async () => {
    const signal = new WorkSignal();
    const controller = new AbortController();
    const waiting = signal.wait(1, 10_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    expect(signal.waiting(1)).toBe(0);
    await expect(signal.wait(1, 10_000, controller.signal)).resolves.toBe(false);
    expect(signal.waiting(1)).toBe(0);
  });

  it('does not hold a notify for a wait that starts later', async () => {
    vi.useFakeTimers();
    const signal = new WorkSignal();
    signal.notify(1);
    const later = signal.wait(1, 100);
    vi.advanceTimersByTime(100);
    await expect(later).resolves.toBe(false);
  });

  it('hands every notify to the relay, and wake alone does not', () => {
    const signal = new WorkSignal();
    const relayed: number[] = [];
    const remove = signal.relayTo((zoneId) => relayed.push(zoneId));
    signal.notify(3);
    signal.wake(4);
    expect(relayed).toEqual([3]);
    remove();
    signal.notify(5);
    expect(relayed).toEqual([3]);
  });
});
