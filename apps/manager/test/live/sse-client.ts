/** A small Server-Sent Events client for tests: fetch, frame parsing, waiting for frames. */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (`: ping`) without the colon. */
  comments: string[];
}

export interface OpenOptions {
  token?: string;
  headers?: Record<string, string>;
}

export class SseClient {
  readonly frames: SseFrame[] = [];
  private buffer = '';
  private ended = false;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    body: ReadableStream<Uint8Array> | null,
  ) {
    if (body) void this.pump(body);
  }

  /** Opens the stream; a non-200 answer is read whole and returned as `problem`. */
  static async open(url: string, options: OpenOptions = {}): Promise<SseClient & { problem?: any }> {
    const controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await fetch(url, { headers, signal: controller.signal });
    if (response.status !== 200) {
      const text = await response.text();
      const client = new SseClient(response.status, response.headers, controller, null) as SseClient & {
        problem?: any;
      };
      client.problem = text ? JSON.parse(text) : null;
      return client;
    }
    return new SseClient(response.status, response.headers, controller, response.body);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Frames that carry an event (not only comments). */
  events(name?: string): SseFrame[] {
    return this.frames.filter((frame) => frame.event !== undefined && (!name || frame.event === name));
  }

  /** Resolves with the first frame (seen or coming) that matches; rejects after `ms`. */
  waitFor(match: (frame: SseFrame) => boolean, ms = 5_000): Promise<SseFrame> {
    return this.waitUntil(() => this.frames.find(match), ms, 'a matching frame');
  }

  /** Resolves once the server ended the stream. */
  waitForEnd(ms = 5_000): Promise<true> {
    return this.waitUntil(() => (this.ended ? true : undefined), ms, 'the end of the stream');
  }

  close(): void {
    this.controller.abort();
  }

  private waitUntil<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.frames)}`));
      }, ms);
      this.listeners.add(check);
    });
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        this.parse();
      }
    } catch {
      // Aborted by close(), or cut by the server.
    }
    this.ended = true;
    this.notify();
  }

  private parse(): void {
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: SseFrame = { comments: [] };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) frame.id = line.slice(4);
        else if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) frame.data = data.join('\n');
      this.frames.push(frame);
      end = this.buffer.indexOf('\n\n');
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
