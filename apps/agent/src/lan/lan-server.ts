import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  lanCancelRequestSchema,
  lanDispatchRequestSchema,
  lanPaths,
  type LanDispatchRequest,
  type LanPingResponse,
} from '@outpost/shared';
import { errorMessage, type Logger } from '../log/logger';
import { checkLanHeaders, signatureMatches } from './lan-signature';

export const LAN_MAX_BODY_BYTES = 64 * 1024;

/** What the LAN endpoints do; the server only authenticates, parses and answers. */
export interface LanHandlers {
  /** HMAC key of the zone, or null before the first handshake (then every signed call is refused). */
  key(): Buffer | null;
  ping(): LanPingResponse;
  dispatch(request: LanDispatchRequest, caller: string): Promise<{ accepted: boolean; reason?: string }>;
  cancel(runId: number, caller: string): { canceled: boolean };
}

export interface LanServerOptions {
  port: number;
  host: string;
  handlers: LanHandlers;
  logger: Logger;
  now?: () => number;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The agent's only inbound port: `/healthz` for service managers (reveals nothing), and the signed
 * zone calls. An unsigned, badly signed or stale request gets 401 before anything runs.
 */
export class LanServer {
  private readonly server: Server;
  private readonly now: () => number;

  constructor(private readonly options: LanServerOptions) {
    this.now = options.now ?? Date.now;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.logger.error('LAN request failed', { error: errorMessage(error) });
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
    });
    this.server.requestTimeout = 15_000;
    this.server.headersTimeout = 10_000;
  }

  /** Resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    if (target === lanPaths.health || target.startsWith(`${lanPaths.health}?`)) {
      send(
        res,
        method === 'GET' || method === 'HEAD' ? 200 : 405,
        method === 'GET' || method === 'HEAD' ? { status: 'ok' } : { error: 'method not allowed' },
      );
      return;
    }
    const key = this.options.handlers.key();
    const check = checkLanHeaders(req.headers, this.now());
    if (!key || !check.ok) {
      this.refuse(req, res, key ? (check.ok ? '' : check.reason) : 'no zone secret yet');
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, LAN_MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof HttpFailure) {
        send(res, error.status, { error: error.message }, true);
        return;
      }
      throw error;
    }
    if (!signatureMatches(key, method, target, check.timestamp, body, check.signature)) {
      this.refuse(req, res, 'bad signature');
      return;
    }
    await this.route(method, target, body, check.agentKey, res);
  }

  private async route(
    method: string,
    path: string,
    body: Buffer,
    caller: string,
    res: ServerResponse,
  ): Promise<void> {
    const { handlers } = this.options;
    if (path === lanPaths.ping) {
      if (method !== 'GET') return send(res, 405, { error: 'method not allowed' });
      return send(res, 200, handlers.ping());
    }
    if (path === lanPaths.dispatch) {
      if (method !== 'POST') return send(res, 405, { error: 'method not allowed' });
      const parsed = lanDispatchRequestSchema.safeParse(parseJson(body));
      if (!parsed.success) return send(res, 400, { error: 'invalid dispatch request' });
      return send(res, 200, await handlers.dispatch(parsed.data, caller));
    }
    if (path === lanPaths.cancel) {
      if (method !== 'POST') return send(res, 405, { error: 'method not allowed' });
      const parsed = lanCancelRequestSchema.safeParse(parseJson(body));
      if (!parsed.success) return send(res, 400, { error: 'invalid cancel request' });
      return send(res, 200, handlers.cancel(parsed.data.runId, caller));
    }
    send(res, 404, { error: 'not found' });
  }

  private refuse(req: IncomingMessage, res: ServerResponse, reason: string): void {
    // Unsigned requests are scanners or misdirected health checks; a bad signature is a misconfigured peer.
    const fields = { method: req.method, path: req.url, from: req.socket.remoteAddress, reason };
    if (reason === 'missing signature headers')
      this.options.logger.debug('refused an unsigned LAN request', fields);
    else this.options.logger.warn('refused a LAN request', fields);
    // Close the connection: the caller may be mid-way through a body we will not read.
    send(res, 401, { error: 'unauthenticated' }, true);
  }
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new HttpFailure(413, 'body too large'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpFailure(413, 'body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
