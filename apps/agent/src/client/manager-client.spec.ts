import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_PROTOCOL_VERSION, defaultAgentSettings } from '@outpost/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootLogger } from '../log/logger';
import { ManagerHttpError, ManagerReplyError, ManagerUnreachableError } from './errors';
import { ManagerClient } from './manager-client';

const logger = new RootLogger({ level: 'error', stdout: false });
const lease = { epoch: 1, holderAgentKey: 'agent-1', expiresAt: null };
const reportReply = { outcomes: [], cancels: [], lease, settings: defaultAgentSettings };

type Handler = (req: IncomingMessage, body: string) => { status: number; body: unknown };

describe('ManagerClient', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  let requests: { path: string; headers: IncomingMessage['headers']; body: string }[];
  let sessions: number;
  let sessionTtlMs: number;

  beforeEach(async () => {
    requests = [];
    sessions = 0;
    sessionTtlMs = 60_000;
    handler = () => ({ status: 200, body: reportReply });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ path: req.url ?? '', headers: req.headers, body });
        let reply: { status: number; body: unknown };
        if (req.url === '/agent/v1/session') {
          sessions += 1;
          reply = {
            status: 200,
            body: {
              token: `token-${sessions}`,
              expiresAt: new Date(Date.now() + sessionTtlMs).toISOString(),
            },
          };
        } else {
          reply = handler(req, body);
        }
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = (now?: () => number): ManagerClient => {
    const c = new ManagerClient({ managerUrl: url, logger, now });
    c.setCredentials('agent-1', 'cred-1');
    return c;
  };

  it('sends the protocol version and the session token on every call', async () => {
    await client().report({ items: [], runningRunIds: [] });
    expect(requests.map((r) => r.path)).toEqual(['/agent/v1/session', '/agent/v1/report']);
    for (const request of requests)
      expect(request.headers['x-outpost-protocol']).toBe(String(AGENT_PROTOCOL_VERSION));
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ agentKey: 'agent-1', credential: 'cred-1' });
    expect(requests[1]?.headers.authorization).toBe('Bearer token-1');
  });

  it('reuses the session until three quarters of its life have passed, then renews it', async () => {
    let clock = Date.now();
    const c = client(() => clock);
    await c.report({ items: [], runningRunIds: [] });
    clock += 40_000;
    await c.report({ items: [], runningRunIds: [] });
    expect(sessions).toBe(1);
    clock += 6_000;
    await c.report({ items: [], runningRunIds: [] });
    expect(sessions).toBe(2);
    expect(requests.at(-1)?.headers.authorization).toBe('Bearer token-2');
  });

  it('renews the session once after a 401 and retries the call once', async () => {
    handler = (req) =>
      req.headers.authorization === 'Bearer token-1'
        ? { status: 401, body: { code: 'UNAUTHENTICATED', message: 'expired', requestId: 'r' } }
        : { status: 200, body: reportReply };
    await client().report({ items: [], runningRunIds: [] });
    expect(sessions).toBe(2);
  });

  it('gives up after the second 401', async () => {
    handler = () => ({ status: 401, body: { code: 'UNAUTHENTICATED', message: 'no', requestId: 'r' } });
    await expect(client().report({ items: [], runningRunIds: [] })).rejects.toMatchObject({ status: 401 });
    expect(sessions).toBe(2);
    expect(requests.filter((r) => r.path === '/agent/v1/report')).toHaveLength(2);
  });

  it('surfaces the problem code and message of an error reply', async () => {
    handler = () => ({
      status: 400,
      body: { code: 'PROTOCOL_VERSION_MISMATCH', message: 'manager speaks 2, agent 1', requestId: 'r' },
    });
    const error = await client()
      .report({ items: [], runningRunIds: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManagerHttpError);
    expect(error).toMatchObject({
      status: 400,
      code: 'PROTOCOL_VERSION_MISMATCH',
      problemMessage: 'manager speaks 2, agent 1',
    });
  });

  it('keeps an error code it does not know (a newer manager)', async () => {
    handler = () => ({ status: 422, body: { code: 'SOMETHING_NEW', message: 'new', requestId: 'r' } });
    await expect(client().report({ items: [], runningRunIds: [] })).rejects.toMatchObject({
      code: 'SOMETHING_NEW',
    });
  });

  it('refuses a success reply that breaks the contract', async () => {
    handler = () => ({ status: 200, body: { outcomes: 'nope' } });
    await expect(client().report({ items: [], runningRunIds: [] })).rejects.toBeInstanceOf(ManagerReplyError);
  });

  it('reports an unreachable manager as such', async () => {
    const c = new ManagerClient({ managerUrl: 'http://127.0.0.1:1', logger });
    await expect(
      c.join({
        zoneId: 1,
        apiKey: 'k',
        identity: { hostname: 'h', ips: [], lanPort: 1, version: '1', platform: 'linux', labels: {} },
      }),
    ).rejects.toBeInstanceOf(ManagerUnreachableError);
  });

  it('fills path parameters', async () => {
    handler = () => ({ status: 404, body: { code: 'TASK_RUN_NOT_FOUND', message: 'no', requestId: 'r' } });
    await expect(client().acceptRun(42)).rejects.toMatchObject({ status: 404 });
    expect(requests.at(-1)?.path).toBe('/agent/v1/runs/42/accept');
  });
});
