import { type Assignment } from '@outpost/shared';
import { terminateProcessGroup } from './process-group';
import { type ReportableStatus, type RunningRun } from './run-events';
import { SecretMasker } from './secret-masker';

export type StopReason = 'canceled' | 'timeout';

/** setTimeout fires at once for delays over about 24.8 days; longer ones are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The live state of one run: what `runningRuns()` shows, why it is being stopped, and the process
 * group of the step running now, so a cancel or a timeout can kill it wherever the run is.
 */
export class RunHandle {
  readonly runId: number;
  readonly masker: SecretMasker;
  status: ReportableStatus = 'started';
  currentStep = 1;
  stopReason: StopReason | null = null;
  shutdownRequest: { mode: 'force' | 'graceful'; timeoutSeconds: number } | null = null;
  private group: number | null = null;
  private readonly kills: Promise<void>[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly assignment: Assignment,
    readonly startedAt: string,
    private readonly killGraceMs: number,
  ) {
    this.runId = assignment.runId;
    this.masker = new SecretMasker(Object.values(assignment.credentials));
  }

  get totalStepCount(): number {
    return this.assignment.task.steps.filter((step) => !step.isRecover).length;
  }

  view(): RunningRun {
    return {
      runId: this.runId,
      taskId: this.assignment.taskId,
      name: this.assignment.task.name,
      status: this.status,
      totalStepCount: this.totalStepCount,
      currentStep: this.currentStep,
      startedAt: this.startedAt,
      attempt: this.assignment.attempt,
    };
  }

  /** The step's process group (null once it is gone). A stop that came first kills it at once. */
  trackGroup(pgid: number | null): void {
    this.group = pgid;
    if (pgid !== null && this.stopReason !== null) this.killGroup();
  }

  /** The first reason wins; nothing else runs once a stop is requested. */
  requestStop(reason: StopReason): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.killGroup();
  }

  /** Resolves when the kills started by stops are over (each is bounded). */
  async settled(): Promise<void> {
    await Promise.all(this.kills);
  }

  armTimeout(ms: number, onExpiry: () => void): void {
    const deadline = Date.now() + ms;
    const arm = (): void => {
      const left = deadline - Date.now();
      this.timer = setTimeout(
        () => (Date.now() >= deadline ? onExpiry() : arm()),
        Math.min(Math.max(left, 0), MAX_TIMER_MS),
      );
      this.timer.unref(); // the step's child keeps the agent alive, not this timer
    };
    arm();
  }

  clearTimeout(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private killGroup(): void {
    if (this.group === null) return;
    this.kills.push(terminateProcessGroup(this.group, this.killGraceMs).catch(() => undefined));
  }
}
