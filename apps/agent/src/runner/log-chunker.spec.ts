import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogChunker, splitChunk } from './log-chunker';
import { SecretMasker } from './secret-masker';

describe('LogChunker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function chunker(secrets: string[] = [], maxChars = 64) {
    const out: string[] = [];
    const c = new LogChunker(new SecretMasker(secrets), (content) => out.push(content), {
      maxChars,
      intervalMs: 250,
    });
    return { c, out };
  }

  it('coalesces small writes and flushes them after the interval', () => {
    const { c, out } = chunker();
    c.write('a\n');
    c.write('b\n');
    expect(out).toEqual([]);
    vi.advanceTimersByTime(250);
    expect(out).toEqual(['a\nb\n']);
  });

  it('flushes at the size limit on a line end and sends the partial line with the timer', () => {
    const { c, out } = chunker([], 16);
    c.write('0123456789\nabcdefgh');
    expect(out).toEqual(['0123456789\n']);
    vi.advanceTimersByTime(250);
    expect(out).toEqual(['0123456789\n', 'abcdefgh']);
  });

  it('never emits a chunk over the limit, even for one long line', () => {
    const { c, out } = chunker([], 16);
    c.write('x'.repeat(50));
    c.end();
    expect(out.join('')).toBe('x'.repeat(50));
    expect(Math.max(...out.map((piece) => piece.length))).toBeLessThanOrEqual(16);
  });

  it('masks a secret split across two writes with a flush in between', () => {
    const { c, out } = chunker(['hunter2-secret']);
    c.write('pw: hunter2-se');
    vi.advanceTimersByTime(250);
    expect(out).toEqual(['pw: ']);
    c.write('cret done\n');
    c.end();
    expect(out.join('')).toBe('pw: *** done\n');
    expect(out.some((piece) => piece.includes('hunter'))).toBe(false);
  });

  it('releases a held tail at the end even when it was only a prefix', () => {
    const { c, out } = chunker(['hunter2-secret']);
    c.write('last word hunt');
    vi.advanceTimersByTime(250);
    c.end();
    expect(out.join('')).toBe('last word hunt');
  });

  it('ignores writes after the end', () => {
    const { c, out } = chunker();
    c.write('x');
    c.end();
    c.write('late');
    vi.advanceTimersByTime(1000);
    expect(out).toEqual(['x']);
  });
});

describe('splitChunk', () => {
  it('prefers line ends and keeps surrogate pairs whole', () => {
    expect(splitChunk('aa\nbbbb\ncc', 6)).toEqual(['aa\n', 'bbbb\n', 'cc']);
    const emoji = '\u{1F600}';
    const pieces = splitChunk(`abc${emoji}`, 4);
    expect(pieces).toEqual(['abc', emoji]);
  });
});
