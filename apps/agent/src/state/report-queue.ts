import { type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportItemSchema, type ReportItem } from '@outpost/shared';
import { z } from 'zod';
import { errorMessage, type Logger } from '../log/logger';
import { writeFileAtomic } from './atomic-file';

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq'> : never;
/** A report item before the queue gives it its per-run sequence number. */
export type NewReportItem = WithoutSeq<ReportItem>;

export interface ReportKey {
  runId: number;
  seq: number;
}

/** A run this agent accepted and has not finished: after a crash it is reported as failed. */
export interface HeldRun {
  runId: number;
  taskId: number;
  /** Last step the run reported, so the "restarted" failure names where it stopped. */
  step: number;
}

export const REPORT_JOURNAL_FILE = 'reports.jsonl';

const pairSchema = z.tuple([z.number().int(), z.number().int()]);
/**
 * One line of the journal. Items, acks and the run ledger (held / finished runs) share one file so
 * a run's last report and its "finished" mark reach the disk in the same fsync.
 */
const journalRecordSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('item'), item: reportItemSchema }),
  z.object({ t: z.literal('ack'), keys: z.array(pairSchema) }),
  z.object({
    t: z.literal('hold'),
    runId: z.number().int(),
    taskId: z.number().int(),
    step: z.number().int(),
  }),
  z.object({ t: z.literal('release'), runId: z.number().int() }),
  z.object({ t: z.literal('done'), runId: z.number().int() }),
  /** Compaction snapshot: the last seq given to each run that may still report. */
  z.object({ t: z.literal('seqs'), last: z.array(pairSchema) }),
  /** Compaction snapshot: recently finished runs, refused if delivered again. */
  z.object({ t: z.literal('finished'), runIds: z.array(z.number().int()) }),
]);
type JournalRecord = z.infer<typeof journalRecordSchema>;

export interface ReportQueueOptions {
  logger: Logger;
  /** Rewrite the file once this many lines are dead and they outnumber the live items. */
  compactAfterDeadLines?: number;
  /** How many finished run ids are remembered for idempotency. */
  maxFinishedRuns?: number;
  /** Called after each batch reaches the disk (the reporter wakes up on it). */
  onDurable?: () => void;
}

interface Entry {
  item: ReportItem;
  /** Items are sent only once they are on disk: a report the manager acked must survive a crash. */
  durable: boolean;
}

const keyOf = (runId: number, seq: number): string => `${runId}:${seq}`;

/** Rough wire size of an item, to keep report bodies bounded without serialising twice. */
function approximateBytes(item: ReportItem): number {
  if (item.kind === 'log') return 160 + item.content.length;
  return 220 + (item.result?.length ?? 0) + (item.error?.length ?? 0);
}

/**
 * The agent's durable report queue: an append-only JSON-lines journal in the state dir, fsynced
 * once per batch of appends (everything emitted while the previous write was in flight goes in the
 * next one). Per-run sequence numbers are assigned here and survive restarts, so an item keeps its
 * idempotency key `(runId, seq)` however often it is re-sent. Acked items are dropped from memory
 * at once and from the file when dead lines dominate (atomic rewrite).
 */
export class ReportQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly lastSeq = new Map<number, number>();
  private readonly held = new Map<number, HeldRun>();
  private readonly finished = new Set<number>();
  private buffer: string[] = [];
  private bufferedKeys: string[] = [];
  private fileLines = 0;
  private handle: FileHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private closed = false;
  private readonly compactAfter: number;
  private readonly maxFinished: number;

  private constructor(
    readonly file: string,
    private readonly options: ReportQueueOptions,
  ) {
    this.compactAfter = options.compactAfterDeadLines ?? 1000;
    this.maxFinished = options.maxFinishedRuns ?? 10_000;
  }

  /** Opens (or creates) the journal in `dir` and replays it; a torn last line is tolerated. */
  static async open(dir: string, options: ReportQueueOptions): Promise<ReportQueue> {
    const queue = new ReportQueue(join(dir, REPORT_JOURNAL_FILE), options);
    const text = await readJournal(queue.file);
    const { badLines, torn } = queue.replay(text);
    if (badLines > 0 || torn) {
      options.logger.warn('report journal had unreadable lines; rewriting it without them', {
        badLines,
        tornLastLine: torn,
      });
      await queue.rewrite();
    }
    queue.handle = await open(queue.file, 'a', 0o600);
    return queue;
  }

  /** Reads the journal without changing it (for `outpost-agent status` while a daemon may run). */
  static async inspect(
    dir: string,
    logger: Logger,
  ): Promise<{ depth: number; heldRuns: HeldRun[]; finishedRuns: number }> {
    const queue = new ReportQueue(join(dir, REPORT_JOURNAL_FILE), { logger });
    queue.replay(await readJournal(queue.file));
    return { depth: queue.depth(), heldRuns: queue.heldRuns(), finishedRuns: queue.finished.size };
  }

  /** Gives the item the next seq of its run, journals it, and returns it. */
  enqueue(input: NewReportItem): ReportItem {
    const seq = (this.lastSeq.get(input.runId) ?? 0) + 1;
    const item = { ...input, seq } as ReportItem;
    this.lastSeq.set(input.runId, seq);
    const key = keyOf(item.runId, seq);
    this.entries.set(key, { item, durable: false });
    if (item.kind === 'status') {
      const held = this.held.get(item.runId);
      if (held) held.step = item.currentStep;
    }
    this.append({ t: 'item', item }, key);
    return item;
  }

  /** A run was accepted: remember it until it finishes. */
  hold(runId: number, taskId: number): void {
    this.held.set(runId, { runId, taskId, step: 0 });
    this.append({ t: 'hold', runId, taskId, step: 0 });
  }

  /** A hold that did not turn into a run (the runner refused it). */
  release(runId: number): void {
    if (!this.held.delete(runId)) return;
    this.append({ t: 'release', runId });
  }

  /** The run ended: no longer held, and refused if it is ever delivered again. */
  finish(runId: number): void {
    this.held.delete(runId);
    this.addFinished(runId);
    this.append({ t: 'done', runId });
  }

  isHeld(runId: number): boolean {
    return this.held.has(runId);
  }

  isFinished(runId: number): boolean {
    return this.finished.has(runId);
  }

  heldRuns(): HeldRun[] {
    return [...this.held.values()].map((run) => ({ ...run }));
  }

  finishedRunIds(): number[] {
    return [...this.finished];
  }

  /** Unacknowledged items, including those still on their way to the disk. */
  depth(): number {
    return this.entries.size;
  }

  /** The oldest items that are on disk and not yet acknowledged, in the order they were queued. */
  pending(maxItems: number, maxBytes = Number.POSITIVE_INFINITY): ReportItem[] {
    const out: ReportItem[] = [];
    let bytes = 0;
    for (const entry of this.entries.values()) {
      if (!entry.durable || out.length >= maxItems) break;
      const size = approximateBytes(entry.item);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(entry.item);
      bytes += size;
    }
    return out;
  }

  /** Drops acknowledged (or rejected) items; returns how many were still queued. */
  ack(keys: readonly ReportKey[]): number {
    const removed: [number, number][] = [];
    for (const { runId, seq } of keys) {
      if (this.entries.delete(keyOf(runId, seq))) removed.push([runId, seq]);
    }
    if (removed.length > 0) this.append({ t: 'ack', keys: removed });
    return removed.length;
  }

  /** Resolves once everything queued so far is on disk. */
  flush(): Promise<void> {
    this.scheduleWrite();
    return this.chain;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle?.close();
    this.handle = null;
  }

  private append(record: JournalRecord, itemKey?: string): void {
    if (this.closed) {
      this.options.logger.warn('report journal is closed; a record was kept in memory only', {
        record: record.t,
      });
      return;
    }
    this.buffer.push(`${JSON.stringify(record)}\n`);
    if (itemKey) this.bufferedKeys.push(itemKey);
    this.scheduleWrite();
  }

  /** Group commit: one write + fsync for everything appended while the previous one ran. */
  private scheduleWrite(): void {
    if (this.writeQueued || this.closed) return;
    this.writeQueued = true;
    this.chain = this.chain
      .then(async () => {
        this.writeQueued = false;
        await this.writeBuffer();
        if (this.shouldCompact()) await this.rewrite();
      })
      .catch((error: unknown) =>
        this.options.logger.error('report journal write failed', { error: errorMessage(error) }),
      );
  }

  private async writeBuffer(): Promise<void> {
    if (this.buffer.length === 0 || !this.handle) return;
    const lines = this.buffer;
    const keys = this.bufferedKeys;
    this.buffer = [];
    this.bufferedKeys = [];
    try {
      await this.handle.write(lines.join(''));
      await this.handle.sync();
      this.fileLines += lines.length;
    } catch (error) {
      // Degraded, not stuck: a full or failing disk must not stop reporting, so the items are
      // sent anyway; they are only lost if the agent also restarts before they are acked.
      this.options.logger.error('could not write the report journal; items are kept in memory only', {
        error: errorMessage(error),
      });
    }
    this.markDurable(keys);
  }

  private markDurable(keys: readonly string[]): void {
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry) entry.durable = true;
    }
    if (keys.length > 0) this.options.onDurable?.();
  }

  private shouldCompact(): boolean {
    const live = this.entries.size + this.held.size + 2;
    const dead = this.fileLines - live;
    return dead >= this.compactAfter && dead > this.entries.size;
  }

  /** Rewrites the file from memory (temp file + fsync + rename), taking the pending buffer with it. */
  private async rewrite(): Promise<void> {
    const lines = this.snapshotLines();
    const takenBuffer = this.buffer;
    const takenKeys = this.bufferedKeys;
    this.buffer = [];
    this.bufferedKeys = [];
    const hadHandle = this.handle !== null;
    await this.handle?.close();
    this.handle = null;
    try {
      await writeFileAtomic(this.file, lines.join(''), 0o600);
      this.fileLines = lines.length;
      this.markDurable(takenKeys);
    } catch (error) {
      this.buffer = [...takenBuffer, ...this.buffer];
      this.bufferedKeys = [...takenKeys, ...this.bufferedKeys];
      this.options.logger.error('report journal compaction failed; keeping the old file', {
        error: errorMessage(error),
      });
    } finally {
      if (hadHandle) this.handle = await open(this.file, 'a', 0o600);
    }
  }

  private snapshotLines(): string[] {
    // Seqs matter for runs that may still report (held, queued) or may be delivered again (finished).
    const keep = new Set<number>([...this.held.keys(), ...this.finished]);
    for (const entry of this.entries.values()) keep.add(entry.item.runId);
    for (const runId of [...this.lastSeq.keys()]) if (!keep.has(runId)) this.lastSeq.delete(runId);
    const records: JournalRecord[] = [
      { t: 'seqs', last: [...this.lastSeq.entries()] },
      { t: 'finished', runIds: [...this.finished] },
      ...[...this.held.values()].map((run): JournalRecord => ({ t: 'hold', ...run })),
      ...[...this.entries.values()].map((entry): JournalRecord => ({ t: 'item', item: entry.item })),
    ];
    return records.map((record) => `${JSON.stringify(record)}\n`);
  }

  private replay(text: string): { badLines: number; torn: boolean } {
    const lines = text.split('\n');
    // A file that does not end in a newline was cut in the middle of a write.
    const torn = lines[lines.length - 1] !== '';
    let badLines = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.fileLines += 1;
      const record = parseRecord(line);
      if (record) this.apply(record);
      else badLines += 1;
    }
    return { badLines, torn };
  }

  private apply(record: JournalRecord): void {
    switch (record.t) {
      case 'item': {
        const { item } = record;
        this.entries.set(keyOf(item.runId, item.seq), { item, durable: true });
        this.lastSeq.set(item.runId, Math.max(this.lastSeq.get(item.runId) ?? 0, item.seq));
        const held = this.held.get(item.runId);
        if (held && item.kind === 'status') held.step = item.currentStep;
        break;
      }
      case 'ack':
        for (const [runId, seq] of record.keys) this.entries.delete(keyOf(runId, seq));
        break;
      case 'hold':
        this.held.set(record.runId, { runId: record.runId, taskId: record.taskId, step: record.step });
        break;
      case 'release':
        this.held.delete(record.runId);
        break;
      case 'done':
        this.held.delete(record.runId);
        this.addFinished(record.runId);
        break;
      case 'seqs':
        for (const [runId, seq] of record.last)
          this.lastSeq.set(runId, Math.max(this.lastSeq.get(runId) ?? 0, seq));
        break;
      case 'finished':
        for (const runId of record.runIds) this.addFinished(runId);
        break;
    }
  }

  private addFinished(runId: number): void {
    this.finished.delete(runId);
    this.finished.add(runId);
    if (this.finished.size > this.maxFinished) {
      const oldest = this.finished.values().next();
      if (!oldest.done) this.finished.delete(oldest.value);
    }
  }
}

async function readJournal(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function parseRecord(line: string): JournalRecord | null {
  try {
    const parsed = journalRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
