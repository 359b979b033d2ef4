/** What a stream writes to (an Express response in production, a fake in unit tests). */
export interface SseSink {
  write(chunk: string): boolean;
  /** Bytes accepted but not yet handed to the network (response buffer + socket buffer). */
  readonly writableLength: number;
  end(): void;
  destroy(): void;
}

export type CloseReason = 'client' | 'slow' | 'overflow' | 'max-age' | 'shutdown' | 'error';

/**
 * One open stream. A client that reads slower than messages come would make the manager buffer
 * without end: once more than `maxBufferBytes` wait for it, the connection is cut (the client
 * reconnects and resumes from its Last-Event-ID), so one slow console costs a bounded amount of
 * memory.
 */
export class SseConnection {
  private closed = false;

  constructor(
    private readonly sink: SseSink,
    private readonly maxBufferBytes: number,
    private readonly onClose: (reason: CloseReason) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** False when the stream is (now) closed. */
  send(text: string): boolean {
    if (this.closed) return false;
    this.sink.write(text);
    if (this.sink.writableLength > this.maxBufferBytes) {
      this.close('slow');
      return false;
    }
    return true;
  }

  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    // A slow client's buffer is dropped at once; the others get a clean end of the response.
    if (reason === 'slow' || reason === 'client') this.sink.destroy();
    else this.sink.end();
    this.onClose(reason);
  }
}
