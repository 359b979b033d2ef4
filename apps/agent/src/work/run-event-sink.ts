import type { Logger } from '../log/logger';
import type { NewReportItem, ReportQueue } from '../state/report-queue';
import { runEndingStatuses, type RunEvent, type RunSink } from './runner-port';

/** Limits of the report item schema (agent-protocol.contract.ts). */
export const LOG_CHUNK_MAX = 32_768;
export const RESULT_MAX = 1_000_000;
export const ERROR_MAX = 10_000;

/**
 * Turns runner events into durable report items. Oversized log output is split into several
 * chunks and oversized results are cut, so every item passes the manager's validation; an item the
 * manager would refuse as a whole would otherwise block nothing but still lose the rest of a run.
 */
export class QueueingRunSink implements RunSink {
  constructor(
    private readonly queue: ReportQueue,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  emit(event: RunEvent): void {
    const at = new Date(this.now()).toISOString();
    if (event.kind === 'log') {
      for (const content of splitChunks(event.content, LOG_CHUNK_MAX)) {
        this.enqueue({
          kind: 'log',
          runId: event.runId,
          stepSeq: event.stepSeq,
          stream: event.stream,
          content,
          at,
        });
      }
      return;
    }
    this.enqueue({
      kind: 'status',
      runId: event.runId,
      status: event.status,
      currentStep: Math.max(0, event.currentStep),
      failedStep: event.failedStep,
      result: truncate(event.result, RESULT_MAX),
      error: truncate(event.error, ERROR_MAX),
      at,
    });
    if (runEndingStatuses.has(event.status)) this.queue.finish(event.runId);
  }

  private enqueue(item: NewReportItem): void {
    const queued = this.queue.enqueue(item);
    this.logger.debug('queued report item', { runId: queued.runId, seq: queued.seq, kind: queued.kind });
  }
}

function truncate(text: string | null, max: number): string | null {
  if (text === null || text.length <= max) return text;
  const marker = '…[truncated]';
  return cutAt(text, max - marker.length) + marker;
}

/** Cuts at `max` code units without splitting a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, max - 1) : text.slice(0, max);
}

export function splitChunks(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const chunk = cutAt(rest, max);
    chunks.push(chunk);
    rest = rest.slice(chunk.length);
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}
