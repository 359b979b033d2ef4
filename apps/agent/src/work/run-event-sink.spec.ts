import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportItemSchema } from '@outpost/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootLogger } from '../log/logger';
import { ReportQueue } from '../state/report-queue';
import { LOG_CHUNK_MAX, QueueingRunSink, splitChunks } from './run-event-sink';

const logger = new RootLogger({ level: 'error', stdout: false });

describe('QueueingRunSink', () => {
  let dir: string;
  let queue: ReportQueue;
  let sink: QueueingRunSink;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-sink-'));
    queue = await ReportQueue.open(dir, { logger });
    sink = new QueueingRunSink(queue, logger, () => Date.parse('2024-05-01T00:00:00Z'));
  });
  afterEach(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('splits oversized log output into valid chunks, in order', async () => {
    sink.emit({
      kind: 'log',
      runId: 1,
      stepSeq: 1,
      stream: 'stdout',
      content: 'a'.repeat(LOG_CHUNK_MAX * 2 + 5),
    });
    await queue.flush();
    const items = queue.pending(10);
    expect(items.map((i) => (i.kind === 'log' ? i.content.length : 0))).toEqual([
      LOG_CHUNK_MAX,
      LOG_CHUNK_MAX,
      5,
    ]);
    for (const item of items) expect(reportItemSchema.safeParse(item).success).toBe(true);
  });

  it('cuts results and errors to what the manager accepts', async () => {
    sink.emit({
      kind: 'status',
      runId: 2,
      status: 'failed',
      currentStep: 1,
      failedStep: 1,
      result: 'r'.repeat(1_000_100),
      error: 'e'.repeat(20_000),
    });
    await queue.flush();
    const [item] = queue.pending(10);
    expect(reportItemSchema.safeParse(item).success).toBe(true);
    expect(item).toMatchObject({ at: '2024-05-01T00:00:00.000Z', seq: 1 });
  });

  it('releases the run when it ends (iteration runs end in wait-iteration-schedule)', () => {
    queue.hold(3, 30);
    queue.hold(4, 40);
    sink.emit({
      kind: 'status',
      runId: 3,
      status: 'running',
      currentStep: 2,
      failedStep: null,
      result: null,
      error: null,
    });
    expect(queue.isHeld(3)).toBe(true);
    sink.emit({
      kind: 'status',
      runId: 3,
      status: 'complete',
      currentStep: 2,
      failedStep: null,
      result: 'ok',
      error: null,
    });
    sink.emit({
      kind: 'status',
      runId: 4,
      status: 'wait-iteration-schedule',
      currentStep: 1,
      failedStep: null,
      result: null,
      error: null,
    });
    expect(queue.isHeld(3)).toBe(false);
    expect(queue.isFinished(3)).toBe(true);
    expect(queue.isFinished(4)).toBe(true);
  });

  it('never splits a surrogate pair', () => {
    const text = `${'x'.repeat(9)}😀${'y'.repeat(5)}`;
    const chunks = splitChunks(text, 10);
    expect(chunks.join('')).toBe(text);
    expect(chunks[0]).toBe('x'.repeat(9));
  });
});
