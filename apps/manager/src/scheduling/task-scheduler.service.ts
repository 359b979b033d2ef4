import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { TransactionRunner } from '../database/transaction-runner';
import { nextTick, TaskRelease } from '../tasks/task-release';
import { WorkSignal } from '../work/work-signal';
import { type OverlappingTask, SchedulingRepository } from './scheduling.repository';

/** Tasks looked at per query per pass; a full batch with progress asks for another pass at once. */
export const SCHEDULER_BATCH = 200;

export interface SchedulerSummary {
  released: number;
  completed: number;
  skipped: number;
  more: boolean;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Time-driven task rules for every zone. The zone primary's poll already releases its own zone's
 * due tasks lazily (through the same TaskRelease); this covers zones whose primary is not polling,
 * so a due task shows as `wait-polling` on time, and wakes the polls of the zones it released.
 * - due `scheduled` / `wait-iteration-schedule` tasks → `wait-polling` (iteration tasks: owed tick
 *   moves to the one after now); an iteration whose untilRun passed before its next tick → complete;
 * - overlap, policy `skip`: a tick that comes due while the previous run is still in flight is
 *   skipped — the owed tick moves to the next one after now and TASK_ITERATION_SKIPPED is written.
 *   Policy `queue-one` needs nothing here: the past owed tick is the marker that the finishing run
 *   turns into an immediate next run (planFinish).
 */
@Injectable()
export class TaskScheduler {
  private readonly logger = new Logger('Scheduler');

  constructor(
    private readonly repository: SchedulingRepository,
    private readonly release: TaskRelease,
    private readonly transactions: TransactionRunner,
    private readonly signal: WorkSignal,
    private readonly clock: Clock,
  ) {}

  async pass(abort?: AbortSignal): Promise<SchedulerSummary> {
    const summary: SchedulerSummary = { released: 0, completed: 0, skipped: 0, more: false };
    const zones = new Set<number>();
    const due = await this.repository.dueTasks(this.clock.now(), SCHEDULER_BATCH);
    for (const task of due) {
      if (abort?.aborted) break;
      try {
        const outcome = await this.release.release(task.id);
        if (outcome === 'released') {
          summary.released += 1;
          zones.add(task.zoneId);
        } else if (outcome === 'completed') summary.completed += 1;
      } catch (error) {
        this.logger.error(`Task ${task.id} could not be released: ${messageOf(error)}`);
      }
    }
    // After the commits: held polls of those zones look again.
    for (const zoneId of zones) this.signal.notify(zoneId);
    const overlapping = await this.repository.overlappingTicks(this.clock.now(), SCHEDULER_BATCH);
    for (const task of overlapping) {
      if (abort?.aborted) break;
      try {
        if (await this.skip(task)) summary.skipped += 1;
      } catch (error) {
        this.logger.error(`Task ${task.id}: a skipped tick could not be recorded: ${messageOf(error)}`);
      }
    }
    const progressed = summary.released + summary.completed + summary.skipped > 0;
    summary.more = progressed && (due.length >= SCHEDULER_BATCH || overlapping.length >= SCHEDULER_BATCH);
    return summary;
  }

  private skip(task: OverlappingTask): Promise<boolean> {
    return this.transactions.run(async (manager) => {
      const now = this.clock.now();
      const next = nextTick(task, now);
      if (!(await this.repository.skipTick(manager, task, next, now))) return false;
      await this.repository.tickSkipped(manager, task, next, now);
      this.logger.log(
        `Task ${task.id}: tick ${task.nextRunAt?.toISOString()} skipped, its run is still ${task.status}`,
      );
      return true;
    });
  }
}
