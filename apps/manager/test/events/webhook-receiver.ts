import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the receiver treats requests: closed port, answer after `slowMs`, 500, or 200. */
export type ReceiverMode = 'down' | 'slow' | 'error' | 'up';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The mode it met (a `slow` answer arrives after the manager gave up). */
  mode: Exclude<ReceiverMode, 'down'>;
  at: number;
}

/**
 * A real HTTP receiver on loopback, for webhook tests. Its port is fixed at creation; `down` closes
 * it (connections are refused), the other modes listen on it again.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private server: Server | null = null;
  private mode: ReceiverMode = 'down';

  private constructor(
    readonly port: number,
    private readonly slowMs: number,
  ) {}

  /** A receiver that starts `down`, on a port that was free a moment ago. */
  static async create(slowMs = 1_000): Promise<WebhookReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return new WebhookReceiver(port, slowMs);
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async set(mode: ReceiverMode): Promise<void> {
    this.mode = mode;
    if (mode === 'down') return this.stop();
    if (this.server) return;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const mode = this.mode === 'down' ? 'error' : this.mode;
        this.received.push({
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          mode,
          at: Date.now(),
        });
        if (mode === 'up') response.writeHead(200).end('ok');
        else if (mode === 'error') response.writeHead(500).end('receiver broke');
        else setTimeout(() => response.writeHead(200).end('late'), this.slowMs).unref();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Requests whose answer the manager took as delivered. */
  accepted(): ReceivedRequest[] {
    return this.received.filter((request) => request.mode === 'up');
  }
}

/** Checks `t=<seconds>,v1=<hex>` against HMAC-SHA256(secret, "<t>.<body>"), computed here. */
export function signatureVerifies(request: ReceivedRequest, secret: string): boolean {
  const header = String(request.headers['x-outpost-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'));
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
