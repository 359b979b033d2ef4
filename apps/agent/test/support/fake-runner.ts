import type { Assignment } from '@outpost/shared';
import type { RunEvent, RunnerDeps, RunnerPort } from '../../src/work/runner-port';

/** A runner the test drives: it records starts and cancels and emits what the test tells it to. */
export class FakeRunner implements RunnerPort {
  readonly started: Assignment[] = [];
  readonly canceled: number[] = [];
  readonly running = new Map<number, Assignment>();
  readonly finished = new Set<number>();
  /** Called on every accepted start (emit 'started' here, like the real runner). */
  onStart: ((assignment: Assignment, runner: FakeRunner) => void) | null = (assignment, runner) =>
    runner.emit({
      kind: 'status',
      runId: assignment.runId,
      status: 'started',
      currentStep: 1,
      failedStep: null,
      result: null,
      error: null,
    });
  private accepting = true;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly deps: RunnerDeps) {}

  start(assignment: Assignment): boolean {
    if (!this.accepting || this.running.has(assignment.runId) || this.finished.has(assignment.runId))
      return false;
    this.running.set(assignment.runId, assignment);
    this.started.push(assignment);
    this.onStart?.(assignment, this);
    return true;
  }

  emit(event: RunEvent): void {
    this.deps.sink.emit(event);
  }

  log(runId: number, content: string): void {
    this.emit({ kind: 'log', runId, stepSeq: 1, stream: 'stdout', content });
  }

  end(runId: number, status: 'complete' | 'failed' | 'stopped' = 'complete'): void {
    this.emit({
      kind: 'status',
      runId,
      status,
      currentStep: 1,
      failedStep: status === 'failed' ? 1 : null,
      result: status === 'complete' ? 'ok' : null,
      error: null,
    });
    this.running.delete(runId);
    this.finished.add(runId);
    if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  cancel(runId: number): boolean {
    this.canceled.push(runId);
    if (!this.running.has(runId)) return false;
    this.end(runId, 'stopped');
    return true;
  }

  isRunning(runId: number): boolean {
    return this.running.has(runId);
  }

  runningRuns(): { runId: number }[] {
    return [...this.running.keys()].map((runId) => ({ runId }));
  }

  runningCount(): number {
    return this.running.size;
  }

  stopAcceptingWork(): void {
    this.accepting = false;
  }

  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async killAll(): Promise<void> {
    this.accepting = false;
    for (const runId of [...this.running.keys()]) this.end(runId, 'stopped');
  }

  rememberFinished(runIds: number[]): void {
    for (const runId of runIds) this.finished.add(runId);
  }
}
