import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSendError, WebhookSender } from './webhook-sender';
import { signatureHeader } from './webhook-secret';
import { createHmac } from 'node:crypto';

/** A real receiver on loopback whose answer each test picks by path. */
let server: Server;
let base: string;
const received: { path: string; body: string; headers: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body, headers: request.headers });
      if (request.url?.startsWith('/ok')) response.writeHead(204).end();
      else if (request.url?.startsWith('/fail')) response.writeHead(500).end('secret internals');
      else if (request.url?.startsWith('/redirect')) response.writeHead(302, { location: '/ok' }).end();
      else if (request.url?.startsWith('/slow')) setTimeout(() => response.writeHead(200).end(), 1_000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sender = new WebhookSender();
const send = (path: string, overrides: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
  sender.send({
    url: `${base}${path}`,
    body: '{"a":1}',
    headers: { 'Content-Type': 'application/json', 'X-Outpost-Event-Id': '7' },
    timeoutMs: overrides.timeoutMs ?? 2_000,
    signal: overrides.signal ?? new AbortController().signal,
  });

describe('WebhookSender', () => {
  it('delivers on 2xx, sending the body and headers as given', async () => {
    expect(await send('/ok')).toEqual({ kind: 'delivered', status: 204 });
    const last = received.at(-1);
    expect(last?.body).toBe('{"a":1}');
    expect(last?.headers['x-outpost-event-id']).toBe('7');
    expect(last?.headers['content-type']).toBe('application/json');
  });

  it('fails on 500 with the status only, never the response body', async () => {
    const outcome = await send('/fail');
    expect(outcome).toEqual({ kind: 'failed', status: 500, error: 'HTTP 500' });
  });

  it('does not follow a redirect', async () => {
    const before = received.length;
    expect(await send('/redirect')).toMatchObject({ kind: 'failed', status: 302 });
    expect(received.length).toBe(before + 1);
  });

  it('gives up on a slow receiver at the timeout', async () => {
    const started = Date.now();
    expect(await send('/slow', { timeoutMs: 200 })).toEqual({
      kind: 'failed',
      status: null,
      error: 'no answer within 200 ms',
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('names a refused connection without quoting the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await sender.send({
      url: `http://127.0.0.1:${port}/hook?token=s3cr3t`,
      body: '{}',
      headers: {},
      timeoutMs: 2_000,
      signal: new AbortController().signal,
    });
    expect(outcome).toEqual({ kind: 'failed', status: null, error: 'connection refused' });
  });

  it('reports an attempt stopped by its signal as aborted (it does not count)', async () => {
    const controller = new AbortController();
    const pending = send('/slow', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toEqual({ kind: 'aborted' });
  });
});

describe('describeSendError', () => {
  it('uses the error code only, never the message', () => {
    const error = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED http://u:p@host/?token=x'), {
        code: 'ECONNREFUSED',
      }),
    });
    expect(describeSendError(error, 1000, false)).toBe('connection refused');
    expect(describeSendError(new Error('https://host/?token=x broke'), 1000, false)).toBe('network error');
    expect(describeSendError(Object.assign(new Error('x'), { code: 'EPROTO' }), 1000, false)).toBe(
      'network error (EPROTO)',
    );
  });
});

describe('signatureHeader', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> keyed with the secret', () => {
    const expected = createHmac('sha256', 'k3y').update('1700000000.{"a":1}').digest('hex');
    expect(signatureHeader('k3y', 1_700_000_000, '{"a":1}')).toBe(`t=1700000000,v1=${expected}`);
  });
});
