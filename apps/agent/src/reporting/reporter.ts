import type { ReportItem, ReportResponse } from '@outpost/shared';
import { ManagerHttpError } from '../client/errors';
import type { ManagerClient } from '../client/manager-client';
import { backoffDelay, classifyError, sleep, type BackoffPolicy } from '../client/retry';
import type { ZoneState } from '../election/zone-state';
import { errorMessage, type Logger } from '../log/logger';
import type { ReportQueue } from '../state/report-queue';
import type { RunnerPort } from '../work/runner-port';

export const MAX_REPORT_ITEMS = 200;
const MAX_REPORT_BYTES = 512 * 1024;

export interface ReporterDeps {
  client: ManagerClient;
  queue: ReportQueue;
  runner: RunnerPort;
  zone: ZoneState;
  logger: Logger;
  backoff: BackoffPolicy;
  random: () => number;
  now: () => number;
  /** Settings and lease of every reply (the daemon checks the lease against its role). */
  onReply: (reply: ReportResponse) => void;
  onFatal: (error: unknown) => void;
}

/**
 * Sends the durable queue to the manager: at once when items reach the disk, and at least every
 * `heartbeatIntervalMs` while runs execute (the report's `runningRunIds` is their heartbeat) or
 * items wait. Each outcome acks its item; a rejected item is logged and dropped so it never blocks
 * the ones behind it. Cancels in the reply go to the runner. Outages are retried with backoff,
 * forever: the queue is on disk.
 */
export class Reporter {
  private stopped = false;
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loopDone: Promise<void> = Promise.resolve();
  private batchLimit = MAX_REPORT_ITEMS;
  private lastReportAt: number | null = null;
  private started = false;

  constructor(private readonly deps: ReporterDeps) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loopDone = this.loop();
  }

  /** Something changed (items on disk, a run started): look again now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  lastReport(): number | null {
    return this.lastReportAt;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake();
    await this.loopDone;
  }

  /** Final attempt at shutdown: send what is queued until empty, an error, or `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = this.deps.now() + timeoutMs;
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    while (this.deps.now() < deadline && this.deps.queue.pending(1).length > 0) {
      try {
        await this.sendOnce(signal);
      } catch (error) {
        this.deps.logger.info('could not send every report before stopping; they stay queued on disk', {
          error: errorMessage(error),
          queued: this.deps.queue.depth(),
        });
        return;
      }
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const { queue, runner, zone, now } = this.deps;
      const hasItems = queue.pending(1).length > 0;
      const owesHeartbeat = runner.runningCount() > 0 || queue.depth() > 0;
      const sinceLast = this.lastReportAt === null ? Number.POSITIVE_INFINITY : now() - this.lastReportAt;
      const heartbeatDue = owesHeartbeat && sinceLast >= zone.settings.heartbeatIntervalMs;
      if (!hasItems && !heartbeatDue) {
        await this.waitForWake(owesHeartbeat ? zone.settings.heartbeatIntervalMs - sinceLast : null);
        continue;
      }
      try {
        await this.sendOnce(this.abort.signal);
        failures = 0;
      } catch (error) {
        const kind = classifyError(error);
        if (kind === 'aborted') continue;
        if (kind === 'fatal') {
          this.deps.onFatal(error);
          return;
        }
        const delay = backoffDelay(failures, this.deps.backoff, this.deps.random);
        failures += 1;
        this.deps.logger.warn('report failed; retrying', {
          error: errorMessage(error),
          attempt: failures,
          retryInMs: delay,
          queued: queue.depth(),
        });
        try {
          await sleep(delay, this.abort.signal);
        } catch {
          // stopping
        }
      }
    }
  }

  private async waitForWake(timeoutMs: number | null): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = timeoutMs === null ? null : setTimeout(resolve, Math.max(0, timeoutMs));
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = null;
    this.woken = false;
  }

  private async sendOnce(signal: AbortSignal): Promise<void> {
    const { queue, runner, client, logger } = this.deps;
    const items = queue.pending(this.batchLimit, MAX_REPORT_BYTES);
    const runningRunIds = runner
      .runningRuns()
      .map((run) => run.runId)
      .slice(0, 1000);
    let reply: ReportResponse;
    try {
      reply = await client.report({ items, runningRunIds }, signal);
    } catch (error) {
      if (this.dropInvalid(error, items)) return;
      throw error;
    }
    this.lastReportAt = this.deps.now();
    this.batchLimit = Math.min(MAX_REPORT_ITEMS, this.batchLimit * 2);

    const sent = new Set(items.map((item) => `${item.runId}:${item.seq}`));
    const answered = reply.outcomes.filter((outcome) => sent.has(`${outcome.runId}:${outcome.seq}`));
    for (const outcome of answered) {
      if (outcome.outcome === 'rejected') {
        logger.warn('manager rejected a report item; dropping it', {
          runId: outcome.runId,
          seq: outcome.seq,
          code: outcome.code,
          reason: outcome.message,
        });
      }
    }
    queue.ack(answered);
    for (const runId of reply.cancels) {
      const running = runner.cancel(runId, 'canceled');
      logger.info('manager cancels a run', { runId, running });
    }
    this.deps.onReply(reply);
  }

  /**
   * A whole report refused for one bad item (400 naming `items.N`) or for its size (413) must not
   * stall the queue: drop the named items, or send smaller batches, down to dropping a lone item.
   */
  private dropInvalid(error: unknown, items: readonly ReportItem[]): boolean {
    if (!(error instanceof ManagerHttpError)) return false;
    if (error.status === 413) {
      if (items.length > 1) {
        this.batchLimit = Math.max(1, Math.floor(items.length / 2));
        return true;
      }
      const [item] = items;
      if (!item) return false;
      this.deps.logger.error('report item too large for the manager; dropping it', {
        runId: item.runId,
        seq: item.seq,
      });
      this.deps.queue.ack([item]);
      return true;
    }
    if (error.status !== 400 || error.code === 'PROTOCOL_VERSION_MISMATCH') return false;
    const bad = new Set<number>();
    for (const detail of error.details) {
      const match = /(?:^|\.)items\.(\d+)(?:\.|$)/.exec(detail.path);
      if (match) bad.add(Number(match[1]));
    }
    const dropped = [...bad]
      .map((index) => items[index])
      .filter((item): item is ReportItem => item !== undefined);
    if (dropped.length === 0) return false;
    for (const item of dropped) {
      this.deps.logger.error('manager refused a report item as invalid; dropping it', {
        runId: item.runId,
        seq: item.seq,
        kind: item.kind,
        reason: error.problemMessage,
      });
    }
    this.deps.queue.ack(dropped);
    return true;
  }
}
