import type { TaskLogChunk } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { mergeChunks } from './log-chunks';

const chunk = (seq: number): TaskLogChunk => ({
  runId: 1,
  seq,
  stepSeq: 1,
  stream: 'stdout',
  content: `line ${seq}\n`,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('mergeChunks', () => {
  it('appends chunks that follow the last one', () => {
    expect(mergeChunks([chunk(1), chunk(2)], [chunk(3)]).map((c) => c.seq)).toEqual([1, 2, 3]);
  });

  it('ignores chunks it already holds (the stored load and the live stream overlap)', () => {
    const current = [chunk(1), chunk(2)];
    expect(mergeChunks(current, [chunk(2)])).toBe(current);
    expect(mergeChunks(current, [chunk(2), chunk(3)]).map((c) => c.seq)).toEqual([1, 2, 3]);
  });

  it('puts a late chunk in seq order', () => {
    expect(mergeChunks([chunk(1), chunk(3)], [chunk(2)]).map((c) => c.seq)).toEqual([1, 2, 3]);
    expect(mergeChunks([], [chunk(5), chunk(4)]).map((c) => c.seq)).toEqual([4, 5]);
  });
});
