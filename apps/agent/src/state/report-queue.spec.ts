import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootLogger } from '../log/logger';
import { REPORT_JOURNAL_FILE, ReportQueue, type NewReportItem } from './report-queue';

const logger = new RootLogger({ level: 'error', stdout: false });
const at = '2024-05-01T10:00:00.000Z';
const log = (runId: number, content: string): NewReportItem => ({
  kind: 'log',
  runId,
  stepSeq: 1,
  stream: 'stdout',
  content,
  at,
});
const status = (runId: number, s: 'started' | 'complete', currentStep = 1): NewReportItem => ({
  kind: 'status',
  runId,
  status: s,
  currentStep,
  failedStep: null,
  result: null,
  error: null,
  at,
});

describe('ReportQueue', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-queue-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers items per run, shared by status and log items', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    expect(queue.enqueue(status(7, 'started')).seq).toBe(1);
    expect(queue.enqueue(log(7, 'a')).seq).toBe(2);
    expect(queue.enqueue(log(8, 'b')).seq).toBe(1);
    expect(queue.enqueue(status(7, 'complete')).seq).toBe(3);
    await queue.close();
  });

  it('offers items only once they are on disk, oldest first', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.enqueue(log(1, 'first'));
    queue.enqueue(log(1, 'second'));
    expect(queue.pending(10)).toEqual([]);
    expect(queue.depth()).toBe(2);
    await queue.flush();
    expect(queue.pending(10).map((i) => (i.kind === 'log' ? i.content : ''))).toEqual(['first', 'second']);
    expect(queue.pending(1)).toHaveLength(1);
    await queue.close();
  });

  it('calls onDurable after a batch reaches the disk', async () => {
    let calls = 0;
    const queue = await ReportQueue.open(dir, { logger, onDurable: () => (calls += 1) });
    queue.enqueue(log(1, 'x'));
    queue.enqueue(log(1, 'y'));
    await queue.flush();
    expect(calls).toBe(1);
    await queue.close();
  });

  it('drops acknowledged items and does not send them again after a restart', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.enqueue(log(1, 'a'));
    queue.enqueue(log(1, 'b'));
    queue.enqueue(log(2, 'c'));
    await queue.flush();
    expect(
      queue.ack([
        { runId: 1, seq: 1 },
        { runId: 2, seq: 1 },
        { runId: 9, seq: 9 },
      ]),
    ).toBe(2);
    expect(queue.pending(10).map((i) => [i.runId, i.seq])).toEqual([[1, 2]]);
    await queue.close();

    const reopened = await ReportQueue.open(dir, { logger });
    expect(reopened.pending(10).map((i) => [i.runId, i.seq])).toEqual([[1, 2]]);
    await reopened.close();
  });

  it('replays unacknowledged items in order after a restart and continues their sequence', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    for (let i = 0; i < 5; i += 1) queue.enqueue(log(3, `line ${i}`));
    await queue.close();

    const reopened = await ReportQueue.open(dir, { logger });
    expect(reopened.pending(100).map((i) => i.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(reopened.enqueue(log(3, 'after restart')).seq).toBe(6);
    await reopened.close();
  });

  it('keeps sequence numbers across compaction, even for runs whose items were all acked', async () => {
    const queue = await ReportQueue.open(dir, { logger, compactAfterDeadLines: 10 });
    queue.hold(4, 40);
    const items = Array.from({ length: 30 }, (_, i) => queue.enqueue(log(4, `l${i}`)));
    await queue.flush();
    queue.ack(items);
    await queue.flush();
    const lines = (await readFile(join(dir, REPORT_JOURNAL_FILE), 'utf8')).trim().split('\n');
    expect(lines.length).toBeLessThan(10);
    await queue.close();

    const reopened = await ReportQueue.open(dir, { logger });
    expect(reopened.depth()).toBe(0);
    expect(reopened.enqueue(log(4, 'next')).seq).toBe(31);
    expect(reopened.isHeld(4)).toBe(true);
    await reopened.close();
  });

  it('compacts only when acknowledged lines dominate', async () => {
    const queue = await ReportQueue.open(dir, { logger, compactAfterDeadLines: 5 });
    const items = Array.from({ length: 20 }, (_, i) => queue.enqueue(log(5, `l${i}`)));
    await queue.flush();
    queue.ack(items.slice(0, 4));
    await queue.flush();
    const before = (await readFile(join(dir, REPORT_JOURNAL_FILE), 'utf8')).trim().split('\n').length;
    expect(before).toBe(21); // 20 items + 1 ack line: 5 dead lines do not outnumber 16 live items
    queue.ack(items.slice(4, 18));
    await queue.flush();
    const after = (await readFile(join(dir, REPORT_JOURNAL_FILE), 'utf8')).trim().split('\n');
    expect(after.length).toBe(2 + 2); // seqs + finished snapshots, 2 live items
    expect(queue.pending(10).map((i) => i.seq)).toEqual([19, 20]);
    await queue.close();
  });

  it('tolerates a torn last line and keeps appending cleanly after it', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.enqueue(log(6, 'kept'));
    queue.enqueue(log(6, 'also kept'));
    await queue.close();
    // A crash in the middle of a write leaves half a record without its newline.
    await appendFile(join(dir, REPORT_JOURNAL_FILE), '{"t":"item","item":{"kind":"log","runId":6,"se');

    const reopened = await ReportQueue.open(dir, { logger });
    expect(reopened.pending(10).map((i) => i.seq)).toEqual([1, 2]);
    expect(reopened.enqueue(log(6, 'new')).seq).toBe(3);
    await reopened.close();

    const third = await ReportQueue.open(dir, { logger });
    expect(third.pending(10).map((i) => (i.kind === 'log' ? i.content : ''))).toEqual([
      'kept',
      'also kept',
      'new',
    ]);
    await third.close();
  });

  it('skips a corrupt line in the middle and keeps the rest', async () => {
    const good1 = JSON.stringify({ t: 'item', item: { ...log(1, 'one'), seq: 1 } });
    const good2 = JSON.stringify({ t: 'item', item: { ...log(1, 'two'), seq: 2 } });
    await writeFile(join(dir, REPORT_JOURNAL_FILE), `${good1}\nnot json at all\n${good2}\n`);
    const queue = await ReportQueue.open(dir, { logger });
    expect(queue.pending(10).map((i) => i.seq)).toEqual([1, 2]);
    await queue.close();
  });

  it('remembers held and finished runs across restarts', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.hold(10, 1);
    queue.hold(11, 1);
    queue.hold(12, 1);
    queue.enqueue(status(10, 'started', 2));
    queue.finish(11);
    queue.release(12);
    await queue.close();

    const reopened = await ReportQueue.open(dir, { logger });
    expect(reopened.heldRuns()).toEqual([{ runId: 10, taskId: 1, step: 2 }]);
    expect(reopened.isFinished(11)).toBe(true);
    expect(reopened.isHeld(12)).toBe(false);
    expect(reopened.isFinished(12)).toBe(false);
    await reopened.close();
  });

  it('bounds the finished-run memory, forgetting the oldest', async () => {
    const queue = await ReportQueue.open(dir, { logger, maxFinishedRuns: 3 });
    for (const runId of [1, 2, 3, 4]) queue.finish(runId);
    expect(queue.finishedRunIds()).toEqual([2, 3, 4]);
    await queue.close();
  });

  it('writes the journal readable by the owner only', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.enqueue(log(1, 'x'));
    await queue.close();
    expect((await stat(join(dir, REPORT_JOURNAL_FILE))).mode & 0o777).toBe(0o600);
  });

  it('limits a batch by size but always offers at least one item', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.enqueue(log(1, 'x'.repeat(30_000)));
    queue.enqueue(log(1, 'y'.repeat(30_000)));
    await queue.flush();
    expect(queue.pending(10, 1_000)).toHaveLength(1);
    expect(queue.pending(10, 100_000)).toHaveLength(2);
    await queue.close();
  });

  it('inspects a journal without changing it', async () => {
    const queue = await ReportQueue.open(dir, { logger });
    queue.hold(3, 9);
    queue.enqueue(log(3, 'x'));
    await queue.close();
    await appendFile(join(dir, REPORT_JOURNAL_FILE), '{"torn');
    const before = await readFile(join(dir, REPORT_JOURNAL_FILE), 'utf8');
    const summary = await ReportQueue.inspect(dir, logger);
    expect(summary.depth).toBe(1);
    expect(summary.heldRuns.map((r) => r.runId)).toEqual([3]);
    expect(await readFile(join(dir, REPORT_JOURNAL_FILE), 'utf8')).toBe(before);
  });
});
