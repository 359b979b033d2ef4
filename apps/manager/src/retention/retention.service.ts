import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

/** Rows deleted per kind per pass, so one pass never holds the database for long. */
export const RETENTION_BATCH = { logChunks: 5_000, tasks: 200, events: 2_000 } as const;

export interface RetentionSummary {
  logChunks: number;
  tasks: number;
  events: number;
  /** Some kind deleted a full batch: more may be waiting. */
  more: boolean;
}

/**
 * Retention: log chunks of finished runs (OUTPOST_RETENTION_LOG_DAYS), finished tasks with their
 * steps, runs and logs (OUTPOST_RETENTION_TASK_DAYS), and events already delivered — published,
 * no webhook delivery pending — (OUTPOST_RETENTION_EVENT_DAYS). 0 days keeps that kind forever.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly repository: RetentionRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async pass(abort?: AbortSignal): Promise<RetentionSummary> {
    const { logDays, taskDays, eventDays } = this.config.retention;
    const now = this.clock.now().getTime();
    const before = (days: number) => new Date(now - days * DAY_MS);
    const summary: RetentionSummary = { logChunks: 0, tasks: 0, events: 0, more: false };
    if (logDays > 0 && !abort?.aborted) {
      summary.logChunks = await this.repository.deleteOldLogChunks(
        before(logDays),
        RETENTION_BATCH.logChunks,
      );
    }
    if (taskDays > 0 && !abort?.aborted) {
      summary.tasks = await this.repository.deleteFinishedTasks(before(taskDays), RETENTION_BATCH.tasks);
    }
    if (eventDays > 0 && !abort?.aborted) {
      summary.events = await this.repository.deleteDeliveredEvents(before(eventDays), RETENTION_BATCH.events);
    }
    summary.more =
      summary.logChunks >= RETENTION_BATCH.logChunks ||
      summary.tasks >= RETENTION_BATCH.tasks ||
      summary.events >= RETENTION_BATCH.events;
    return summary;
  }
}
