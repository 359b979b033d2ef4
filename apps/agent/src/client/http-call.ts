import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';

/**
 * One HTTP exchange with a JSON-speaking peer (the manager, another agent), on `node:http`.
 *
 * The agent used the global `fetch` before. `fetch` is undici, which Node loads (and compiles) on
 * first use: about 15 MiB of resident memory in an otherwise idle agent (bench scenario 6,
 * bench/README.md). `node:http` is part of the agent anyway (the LAN server). What the agent relied
 * on from `fetch` is kept: the call ends when `signal` aborts or `timeoutMs` passes, also while the
 * body is read; redirects are followed the way `fetch` follows them (at most 20; 303, and 301/302
 * after a POST, become a GET without a body; the authorization header is not sent to another
 * origin); the body is read whole and decoded as UTF-8; sockets are kept alive between calls (Node's
 * global agents do that); TLS uses Node's CA store (NODE_EXTRA_CA_CERTS too). `node:https` is
 * loaded only for an `https:` URL.
 *
 * The deadline is a timer of its own, cleared when the call ends, and the caller's `signal` is
 * listened to only during the call. (`AbortSignal.any([signal, AbortSignal.timeout(ms)])` instead
 * keeps every combined signal reachable from a `signal` that never aborts, such as the role loop's,
 * on Node 20: memory that grew with every poll of an idle agent.)
 */
export interface HttpCall {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole call, redirects and reading the body included. */
  timeoutMs: number;
  /** The caller's stop: the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface HttpReply {
  status: number;
  statusText: string;
  ok: boolean;
  text: string;
}

/** The call did not end within its `timeoutMs`. */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

const MAX_REDIRECTS = 20;
type Requester = typeof httpRequest;
let httpsRequest: Requester | null = null;

export async function httpCall(url: string, call: HttpCall): Promise<HttpReply> {
  const outer = call.signal;
  if (outer?.aborted) throw abortReason(outer);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new HttpTimeoutError(call.timeoutMs)), call.timeoutMs);
  // Like AbortSignal.timeout: a pending call's deadline does not keep the process alive.
  timer.unref();
  const unlink = outer ? linkAbort(outer, controller) : undefined;
  try {
    return await follow(new URL(url), call, controller.signal);
  } finally {
    clearTimeout(timer);
    unlink?.();
  }
}

/**
 * The calls in flight under one caller signal, and the one listener that aborts them all. One
 * listener per signal, not per call: the primary probes up to 64 members at once under one signal,
 * and Node warns about a possible leak past 10 listeners on an AbortSignal.
 */
const inFlight = new WeakMap<AbortSignal, { calls: Set<AbortController>; onAbort: () => void }>();

function linkAbort(outer: AbortSignal, controller: AbortController): () => void {
  let link = inFlight.get(outer);
  if (!link) {
    const calls = new Set<AbortController>();
    const onAbort = (): void => {
      inFlight.delete(outer);
      for (const call of calls) call.abort(abortReason(outer));
    };
    link = { calls, onAbort };
    inFlight.set(outer, link);
    outer.addEventListener('abort', onAbort, { once: true });
  }
  const { calls, onAbort } = link;
  calls.add(controller);
  return () => {
    calls.delete(controller);
    if (calls.size === 0 && inFlight.get(outer)?.calls === calls) {
      inFlight.delete(outer);
      outer.removeEventListener('abort', onAbort);
    }
  };
}

async function follow(url: URL, call: HttpCall, signal: AbortSignal): Promise<HttpReply> {
  let target = url;
  let { method, body } = call;
  let headers = { ...call.headers };
  for (let redirects = 0; ; redirects += 1) {
    const { location, ...reply } = await exchange(target, method, headers, body, signal);
    if (location === undefined || ![301, 302, 303, 307, 308].includes(reply.status)) return reply;
    if (redirects >= MAX_REDIRECTS) throw new Error('redirect count exceeded');
    const next = new URL(location, target);
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      throw new Error(`redirect to ${next.protocol}`);
    if (
      (reply.status === 303 && method !== 'HEAD') ||
      ([301, 302].includes(reply.status) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
      headers = withoutHeaders(headers, ['content-type', 'content-length']);
    }
    if (next.origin !== target.origin) headers = withoutHeaders(headers, ['authorization']);
    target = next;
  }
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())));
}

async function requester(url: URL): Promise<Requester> {
  if (url.protocol === 'http:') return httpRequest;
  if (url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
  httpsRequest ??= (await import('node:https')).request;
  return httpsRequest;
}

async function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<HttpReply & { location?: string }> {
  if (signal.aborted) throw abortReason(signal);
  const request = await requester(url);
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const options: RequestOptions = {
    method,
    headers: payload === undefined ? headers : { ...headers, 'content-length': String(payload.length) },
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, reply?: HttpReply & { location?: string }): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (error !== null) reject(error);
      else if (reply) resolve(reply);
    };
    const req = request(url, options, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => finish(error));
      res.on('aborted', () => finish(new Error('the connection closed before the reply was complete')));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        finish(null, {
          status,
          statusText: res.statusMessage ?? '',
          ok: status >= 200 && status <= 299,
          // Like fetch's text(): a leading byte order mark is not part of the text.
          text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text,
          ...(location === undefined ? {} : { location }),
        });
      });
    });
    const onAbort = (): void => {
      const error = abortReason(signal);
      finish(error);
      req.destroy(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) => finish(error));
    req.end(payload);
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/** `CODE message` for a socket error (ECONNREFUSED, ENOTFOUND, ...), else the message. */
export function describeHttpError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  const code = (source as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code ? `${code} ${source.message}` : source.message;
}
