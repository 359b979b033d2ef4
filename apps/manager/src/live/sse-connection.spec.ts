import { describe, expect, it } from 'vitest';
import { type CloseReason, SseConnection, type SseSink } from './sse-connection';

/** A sink whose client reads nothing: everything written stays buffered. */
class StuckSink implements SseSink {
  written = '';
  ended = false;
  destroyed = false;
  write(chunk: string): boolean {
    this.written += chunk;
    return false;
  }
  get writableLength(): number {
    return Buffer.byteLength(this.written);
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

describe('SseConnection', () => {
  it('cuts a client whose unread buffer passes the bound, once', () => {
    const sink = new StuckSink();
    const reasons: CloseReason[] = [];
    const connection = new SseConnection(sink, 100, (reason) => reasons.push(reason));
    expect(connection.send('x'.repeat(60))).toBe(true);
    expect(connection.send('x'.repeat(60))).toBe(false);
    expect(sink.destroyed).toBe(true);
    expect(reasons).toEqual(['slow']);
    expect(connection.send('more')).toBe(false);
    expect(sink.written).toHaveLength(120);
    connection.close('shutdown');
    expect(reasons).toEqual(['slow']);
  });

  it('ends the response cleanly on shutdown or max age', () => {
    const sink = new StuckSink();
    const reasons: CloseReason[] = [];
    const connection = new SseConnection(sink, 1_000, (reason) => reasons.push(reason));
    connection.close('max-age');
    expect(sink.ended).toBe(true);
    expect(sink.destroyed).toBe(false);
    expect(connection.isClosed).toBe(true);
    expect(reasons).toEqual(['max-age']);
  });
});
