import { Logger } from '@nestjs/common';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { AGENT_PROTOCOL_VERSION, PROTOCOL_HEADER } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeliveryService } from '../../src/work/delivery.service';
import { startTestApp, type TestApp } from '../testing/test-app';
import { statusItem, type TestZone, WorkWorld } from './agent-work.fixtures';

/**
 * The agent protocol's poll and report, served by the agent lane ahead of Express: every answer
 * here is the one the Nest path gave for the same request (same status, problem code and wording,
 * request id, security headers, body), in the same order of checks — body, protocol version,
 * token, media type, schema.
 *
 * SQLite only: what is checked here is decided before any query that differs between database
 * kinds; the poll and report specs run the lane's successful calls on both.
 */

const BODY_LIMIT_BYTES = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const protocol = { [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION) };

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A request written chunk by chunk with node:http (chunked unless a content-length is given). */
function rawCall(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  chunks: (string | Buffer)[] = [],
): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const isJson = (response.headers['content-type'] ?? '').includes('json');
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: isJson ? JSON.parse(text) : text,
        });
      });
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('the agent lane: poll and report ahead of Express (sqlite)', () => {
  let t: TestApp;
  let world: WorkWorld;
  let zone: TestZone;

  beforeAll(async () => {
    t = await startTestApp('sqlite', {
      OUTPOST_AGENT_POLL_WAIT_MS: '0',
      OUTPOST_BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
    });
    world = new WorkWorld(t, await t.tokenFor('operator'));
    zone = await world.zoneWith(1);
  });
  afterAll(() => t?.close());

  const pollBody = () => ({ epoch: zone.epoch, members: [], runningTasks: 0 });
  const agentHeaders = () => ({ ...protocol, authorization: `Bearer ${zone.primary.token}` });

  function expectProblem(
    answer: { status: number; body: any; headers: Headers },
    status: number,
    code: string,
    message?: string | RegExp,
  ): void {
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
    if (typeof message === 'string') expect(answer.body.message).toBe(message);
    else if (message) expect(answer.body.message).toMatch(message);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.body.requestId).toMatch(UUID);
    expect(answer.headers.get('x-request-id')).toBe(answer.body.requestId);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  }

  describe('answers', () => {
    it('answers a poll with the lease, no work, the zone members and the agent settings', async () => {
      const answer = await world.poll(zone);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const members = [zone.primary, ...zone.secondaries].map(({ row }) => ({
        agentKey: row.agentKey,
        ip: row.ips[0],
        port: row.lanPort,
        state: 'online',
      }));
      expect(answer.body).toEqual({
        lease: {
          epoch: zone.epoch,
          holderAgentKey: zone.primary.row.agentKey,
          expiresAt: expect.any(String),
        },
        assignments: [],
        cancels: [],
        members: expect.arrayContaining(members),
        settings: t.config.agentSettings,
      });
      expect(answer.body.members).toHaveLength(members.length);
    });

    it('answers a report with an outcome per item, cancels, the lease and the settings', async () => {
      const answer = await world.report(zone.primary, [statusItem(999_999, 'started')], []);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.body).toEqual({
        outcomes: [
          {
            runId: 999_999,
            seq: expect.any(Number),
            outcome: 'rejected',
            code: 'TASK_RUN_NOT_FOUND',
            message: `Run 999999 is not a run of agent ${zone.primary.row.agentKey}`,
          },
        ],
        cancels: [],
        lease: {
          epoch: zone.epoch,
          holderAgentKey: zone.primary.row.agentKey,
          expiresAt: expect.any(String),
        },
        settings: t.config.agentSettings,
      });
    });

    it('gives every answer its own request id and the security headers', async () => {
      const first = await world.poll(zone);
      const second = await world.poll(zone, {}, {});
      for (const answer of [first, second]) {
        expect(answer.headers.get('x-request-id')).toMatch(UUID);
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
      expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
    });

    it('makes its own request id rather than taking the one a client sends', async () => {
      const answer = await t.call('POST', '/agent/v1/poll', {
        headers: { ...agentHeaders(), 'x-request-id': 'chosen-by-client' },
        body: pollBody(),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-request-id')).toMatch(UUID);
    });

    it('matches paths as Express did: any case, a trailing slash, a query string', async () => {
      for (const path of ['/agent/v1/poll/', '/Agent/V1/Poll', '/agent/v1/poll?source=test']) {
        const answer = await t.call('POST', path, { headers: agentHeaders(), body: pollBody() });
        expect({ path, status: answer.status }).toEqual({ path, status: 200 });
        expect(answer.body.lease.epoch).toBe(zone.epoch);
      }
    });

    it('reads a chunked body and a gzip-encoded one', async () => {
      const body = JSON.stringify(pollBody());
      const headers = { ...agentHeaders(), 'content-type': 'application/json' };
      const chunked = await rawCall(t.baseUrl, 'POST', '/agent/v1/poll', headers, [
        body.slice(0, 10),
        body.slice(10),
      ]);
      expect(chunked.status).toBe(200);
      const zipped = gzipSync(body);
      const gzip = await rawCall(
        t.baseUrl,
        'POST',
        '/agent/v1/poll',
        { ...headers, 'content-encoding': 'gzip', 'content-length': String(zipped.length) },
        [zipped],
      );
      expect(gzip.status).toBe(200);
      expect(gzip.body.lease.epoch).toBe(zone.epoch);
    });
  });

  describe('refusals', () => {
    it('refuses a missing, garbage or user token with 401 UNAUTHENTICATED', async () => {
      const missing = await t.call('POST', '/agent/v1/poll', { headers: protocol, body: pollBody() });
      expectProblem(
        missing,
        401,
        'UNAUTHENTICATED',
        'Send Authorization: Bearer <agent session token> (from /agent/v1/session)',
      );
      for (const token of ['garbage', world.operator]) {
        const refused = await t.call('POST', '/agent/v1/report', {
          token,
          headers: protocol,
          body: { items: [], runningRunIds: [] },
        });
        expectProblem(
          refused,
          401,
          'UNAUTHENTICATED',
          'The agent session token is missing, invalid or expired; open a new session',
        );
      }
    });

    it('refuses another protocol version with 400 PROTOCOL_VERSION_MISMATCH, before the token', async () => {
      const newer = await t.call('POST', '/agent/v1/poll', {
        headers: { [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION + 1) },
        body: pollBody(),
      });
      expectProblem(
        newer,
        400,
        'PROTOCOL_VERSION_MISMATCH',
        `agent speaks protocol ${AGENT_PROTOCOL_VERSION + 1} but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade the manager`,
      );
      const missing = await t.call('POST', '/agent/v1/report', {
        token: zone.primary.token,
        body: { items: [], runningRunIds: [] },
      });
      expectProblem(missing, 400, 'PROTOCOL_VERSION_MISMATCH', /header is missing/);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON, before the protocol and token checks', async () => {
      for (const headers of [agentHeaders(), {}]) {
        const answer = await t.call('POST', '/agent/v1/poll', {
          headers: { ...headers, 'content-type': 'application/json' },
          rawBody: '{"epoch": 1,',
        });
        expectProblem(answer, 400, 'MALFORMED_JSON', 'The request body is not valid JSON');
      }
    });

    it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE, declared or chunked', async () => {
      const big = JSON.stringify({ ...pollBody(), pad: 'x'.repeat(BODY_LIMIT_BYTES) });
      const declared = await t.call('POST', '/agent/v1/poll', {
        headers: { ...agentHeaders(), 'content-type': 'application/json' },
        rawBody: big,
      });
      expectProblem(declared, 413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
      const chunked = await rawCall(
        t.baseUrl,
        'POST',
        '/agent/v1/report',
        { ...agentHeaders(), 'content-type': 'application/json' },
        [big.slice(0, 1000), big.slice(1000)],
      );
      expect({ status: chunked.status, code: chunked.body.code }).toEqual({
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      });
      expect(chunked.headers['x-request-id']).toBe(chunked.body.requestId);
      // The connection still serves the next call.
      expect((await world.poll(zone)).status).toBe(200);
    });

    it('refuses an unknown content coding or charset with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const body = JSON.stringify(pollBody());
      const coding = await t.call('POST', '/agent/v1/poll', {
        headers: { ...agentHeaders(), 'content-type': 'application/json', 'content-encoding': 'snappy' },
        rawBody: body,
      });
      expectProblem(coding, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
      const charset = await t.call('POST', '/agent/v1/poll', {
        headers: { ...agentHeaders(), 'content-type': 'application/json; charset=latin1' },
        rawBody: body,
      });
      expectProblem(charset, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
    });

    it('refuses a body that is not declared JSON with 415, after the token check', async () => {
      const text = await t.call('POST', '/agent/v1/poll', {
        headers: { ...agentHeaders(), 'content-type': 'text/plain' },
        rawBody: JSON.stringify(pollBody()),
      });
      expectProblem(
        text,
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body as JSON with Content-Type: application/json',
      );
      const anonymous = await t.call('POST', '/agent/v1/poll', {
        headers: { ...protocol, 'content-type': 'text/plain' },
        rawBody: JSON.stringify(pollBody()),
      });
      expectProblem(anonymous, 401, 'UNAUTHENTICATED');
    });

    it('refuses a body against its schema with 400 VALIDATION_FAILED naming each field', async () => {
      const answer = await world.poll(zone, { epoch: 0, runningTasks: 'many' });
      expectProblem(answer, 400, 'VALIDATION_FAILED', /^Invalid request: body\.epoch: /);
      expect(answer.body.details.map((detail: { path: string }) => detail.path)).toEqual([
        'body.epoch',
        'body.runningTasks',
      ]);
      const empty = await t.call('POST', '/agent/v1/report', { headers: agentHeaders() });
      expectProblem(empty, 400, 'VALIDATION_FAILED');
      expect(empty.body.details.map((detail: { path: string }) => detail.path)).toEqual([
        'body.items',
        'body.runningRunIds',
      ]);
      const notAnObject = await t.call('POST', '/agent/v1/report', {
        headers: { ...agentHeaders(), 'content-type': 'application/json' },
        rawBody: 'null',
      });
      expectProblem(notAnObject, 400, 'VALIDATION_FAILED');
      expect(notAnObject.body.details).toEqual([{ path: 'body', message: expect.any(String) }]);
    });

    it('answers a service refusal as its problem: a stale epoch is 409 STALE_EPOCH', async () => {
      const stale = await world.poll(zone, { epoch: zone.epoch + 5 });
      expectProblem(stale, 409, 'STALE_EPOCH');
    });

    it('answers an unexpected failure, or an answer breaking its contract, with a 500 that holds only the request id', async () => {
      const delivery = t.app.get(DeliveryService);
      const failing = vi.spyOn(delivery, 'poll').mockRejectedValueOnce(new Error('secret internals'));
      const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const failed = await world.poll(zone);
      // The log has the request id and the error's message, never its stack trace.
      const lines = logged.mock.calls.map((call) => call.map(String).join(' '));
      logged.mockRestore();
      expect(lines).toEqual([`request ${String(failed.body.requestId)} failed: Error: secret internals`]);
      expectProblem(
        failed,
        500,
        'INTERNAL_ERROR',
        /^Internal error; quote request id [0-9a-f-]{36} when reporting it$/,
      );
      expect(failed.body.message).toContain(failed.body.requestId);
      expect(JSON.stringify(failed.body)).not.toMatch(/secret internals|at .*\.ts/);
      failing.mockResolvedValueOnce({ lease: null } as never);
      // The tests run with response validation on, as the contract interceptor has it there.
      const broken = await world.poll(zone);
      expectProblem(broken, 500, 'INTERNAL_ERROR');
      failing.mockRestore();
      expect((await world.poll(zone)).status).toBe(200);
    });

    it('leaves other methods on its paths to Express: 404 ROUTE_NOT_FOUND', async () => {
      for (const path of ['/agent/v1/poll', '/agent/v1/report']) {
        const answer = await t.call('GET', path, { headers: agentHeaders() });
        expectProblem(answer, 404, 'ROUTE_NOT_FOUND', 'No such route');
        expect(answer.headers.get('x-frame-options')).toBe('DENY');
      }
    });
  });
});
