import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootLogger } from '../log/logger';
import { LanClient } from './lan-client';
import { LanServer, type LanHandlers } from './lan-server';
import { signLanRequest } from './lan-signature';

const logger = new RootLogger({ level: 'error', stdout: false });

describe('LanServer', () => {
  let key: Buffer | null;
  let server: LanServer;
  let port: number;
  let dispatched: { runId: number; caller: string }[];
  let canceled: number[];

  beforeEach(async () => {
    key = randomBytes(32);
    dispatched = [];
    canceled = [];
    const handlers: LanHandlers = {
      key: () => key,
      ping: () => ({ agentKey: 'agent-b', role: 'secondary', epoch: 4, runningTasks: 1 }),
      dispatch: async (request, caller) => {
        dispatched.push({ runId: request.runId, caller });
        return { accepted: true };
      },
      cancel: (runId) => {
        canceled.push(runId);
        return { canceled: true };
      },
    };
    server = new LanServer({ port: 0, host: '127.0.0.1', handlers, logger });
    port = await server.listen();
  });
  afterEach(async () => {
    await server.close();
  });

  const base = (): string => `http://127.0.0.1:${port}`;
  const signedPost = (
    path: string,
    body: string,
    options: { signingKey?: Buffer; now?: number; sentBody?: string } = {},
  ) =>
    fetch(`${base()}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signLanRequest({
          key: options.signingKey ?? (key as Buffer),
          agentKey: 'agent-a',
          method: 'POST',
          path,
          body,
          now: options.now ?? Date.now(),
        }),
      },
      body: options.sentBody ?? body,
    });

  it('answers /healthz without authentication and reveals nothing', async () => {
    const response = await fetch(`${base()}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('refuses an unsigned ping', async () => {
    const response = await fetch(`${base()}/lan/v1/ping`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'unauthenticated' });
  });

  it('refuses unknown paths to strangers with 401, not 404', async () => {
    expect((await fetch(`${base()}/lan/v1/other`)).status).toBe(401);
  });

  it('runs a correctly signed dispatch', async () => {
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 9, taskId: 1, epoch: 4 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: true });
    expect(dispatched).toEqual([{ runId: 9, caller: 'agent-a' }]);
  });

  it('runs nothing for a dispatch signed with another secret', async () => {
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 9, taskId: 1, epoch: 4 }), {
      signingKey: randomBytes(32),
    });
    expect(response.status).toBe(401);
    expect(dispatched).toEqual([]);
  });

  it('runs nothing for a dispatch with a stale timestamp', async () => {
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 9, taskId: 1, epoch: 4 }), {
      now: Date.now() - 60_000,
    });
    expect(response.status).toBe(401);
    expect(dispatched).toEqual([]);
  });

  it('runs nothing for a dispatch whose body was changed after signing', async () => {
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 9, taskId: 1, epoch: 4 }), {
      sentBody: JSON.stringify({ runId: 10, taskId: 1, epoch: 4 }),
    });
    expect(response.status).toBe(401);
    expect(dispatched).toEqual([]);
  });

  it('refuses every signed call before the zone secret is known', async () => {
    const signingKey = key as Buffer;
    key = null;
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 9, taskId: 1, epoch: 4 }), {
      signingKey,
    });
    expect(response.status).toBe(401);
    expect(dispatched).toEqual([]);
  });

  it('refuses bodies over 64 KiB', async () => {
    const big = JSON.stringify({ runId: 1, taskId: 1, epoch: 1, pad: 'x'.repeat(70 * 1024) });
    const response = await signedPost('/lan/v1/dispatch', big);
    expect(response.status).toBe(413);
    expect(dispatched).toEqual([]);
  });

  it('answers a signed but malformed dispatch with 400', async () => {
    const response = await signedPost('/lan/v1/dispatch', JSON.stringify({ runId: 'nine' }));
    expect(response.status).toBe(400);
    expect(dispatched).toEqual([]);
  });

  it('serves ping, dispatch and cancel to the LAN client', async () => {
    const client = new LanClient({ agentKey: () => 'agent-a', key: () => key });
    const peer = { ip: '127.0.0.1', port };
    expect(await client.ping(peer, 2_000)).toEqual({
      agentKey: 'agent-b',
      role: 'secondary',
      epoch: 4,
      runningTasks: 1,
    });
    expect(await client.dispatch(peer, { runId: 3, taskId: 2, epoch: 4 }, 2_000)).toEqual({ accepted: true });
    expect(await client.cancel(peer, 3, 2_000)).toEqual({ canceled: true });
    expect(dispatched).toEqual([{ runId: 3, caller: 'agent-a' }]);
    expect(canceled).toEqual([3]);
  });

  it('makes the LAN client fail when the peer uses another secret', async () => {
    const client = new LanClient({ agentKey: () => 'agent-a', key: () => randomBytes(32) });
    await expect(client.ping({ ip: '127.0.0.1', port }, 2_000)).rejects.toThrow(/HTTP 401/);
  });
});
