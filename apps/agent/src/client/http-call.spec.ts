import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getEventListeners } from 'node:events';
import { describeHttpError, httpCall, HttpTimeoutError } from './http-call';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('httpCall', () => {
  let servers: Server[];
  let seen: Seen[];

  const serve = async (handler: Handler): Promise<string> => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
        handler(req, body, res);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeEach(() => {
    servers = [];
    seen = [];
  });
  afterEach(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('sends the method, headers and body with a content length, and reads the whole reply', async () => {
    const base = await serve((_req, _body, res) => {
      res.writeHead(201, 'Made', { 'content-type': 'application/json' });
      res.write('{"a":');
      setTimeout(() => res.end('"é"}'), 20);
    });
    const reply = await httpCall(`${base}/x?y=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: '{"n":"é"}',
      timeoutMs: 5_000,
    });
    expect(reply).toEqual({ status: 201, statusText: 'Made', ok: true, text: '{"a":"é"}' });
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/x?y=1', body: '{"n":"é"}' });
    expect(seen[0]?.headers['content-length']).toBe(String(Buffer.byteLength('{"n":"é"}')));
    expect(seen[0]?.headers.authorization).toBe('Bearer t');
  });

  it('answers an error status as a reply, not a failure', async () => {
    const base = await serve((_req, _body, res) => {
      res.writeHead(503);
      res.end('\ufeff{"code":"X"}');
    });
    const reply = await httpCall(base, { method: 'GET', headers: {}, timeoutMs: 5_000 });
    expect(reply).toMatchObject({ status: 503, ok: false, text: '{"code":"X"}' });
  });

  it('follows a 307 with the same method and body, and a 302 after a POST as a GET', async () => {
    const base = await serve((req, _body, res) => {
      if (req.url === '/a') res.writeHead(307, { location: '/b' }).end();
      else if (req.url === '/b') res.writeHead(302, { location: '/c' }).end();
      else res.writeHead(200).end('done');
    });
    const reply = await httpCall(`${base}/a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: 5_000,
    });
    expect(reply.text).toBe('done');
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/a', '{}'],
      ['POST', '/b', '{}'],
      ['GET', '/c', ''],
    ]);
    expect(seen[2]?.headers['content-type']).toBeUndefined();
  });

  it('does not send the authorization header to another origin', async () => {
    const other = await serve((_req, _body, res) => res.writeHead(200).end('other'));
    const base = await serve((_req, _body, res) => res.writeHead(308, { location: `${other}/z` }).end());
    const reply = await httpCall(`${base}/a`, {
      method: 'GET',
      headers: { authorization: 'Bearer secret' },
      timeoutMs: 5_000,
    });
    expect(reply.text).toBe('other');
    expect(seen[0]?.headers.authorization).toBe('Bearer secret');
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it('gives up on a redirect loop', async () => {
    const base = await serve((_req, _body, res) => res.writeHead(302, { location: '/again' }).end());
    await expect(httpCall(base, { method: 'GET', headers: {}, timeoutMs: 5_000 })).rejects.toThrow(
      /redirect/,
    );
  });

  it('times out, also while the reply is being read', async () => {
    const base = await serve((_req, _body, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    });
    const started = Date.now();
    const error = await httpCall(base, { method: 'GET', headers: {}, timeoutMs: 100 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("stops with the caller's reason when its signal aborts", async () => {
    const base = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('demoted')), 50);
    await expect(
      httpCall(base, { method: 'GET', headers: {}, timeoutMs: 5_000, signal: controller.signal }),
    ).rejects.toThrow('demoted');
  });

  it('refuses at once with a signal that already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      httpCall('http://127.0.0.1:1', {
        method: 'GET',
        headers: {},
        timeoutMs: 5_000,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it("lets go of a long-lived caller signal when the call ends (nothing piles up on the role loop's signal)", async () => {
    const base = await serve((_req, _body, res) => res.writeHead(200).end('{}'));
    const controller = new AbortController();
    for (let i = 0; i < 3; i += 1) {
      await httpCall(base, { method: 'GET', headers: {}, timeoutMs: 5_000, signal: controller.signal });
    }
    await httpCall('http://127.0.0.1:1', {
      method: 'GET',
      headers: {},
      timeoutMs: 5_000,
      signal: controller.signal,
    }).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('aborts every call in flight under one signal through one listener', async () => {
    const base = await serve(() => undefined);
    const controller = new AbortController();
    const calls = Array.from({ length: 20 }, () =>
      httpCall(base, { method: 'GET', headers: {}, timeoutMs: 5_000, signal: controller.signal }).catch(
        (e: unknown) => e,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('stop'));
    for (const error of await Promise.all(calls)) expect(error).toMatchObject({ message: 'stop' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('describes a refused connection with its code', async () => {
    const error = await httpCall('http://127.0.0.1:1/', {
      method: 'GET',
      headers: {},
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(describeHttpError(error)).toMatch(/^ECONNREFUSED /);
  });
});
