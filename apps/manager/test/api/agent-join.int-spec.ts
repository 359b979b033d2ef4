import { createHash } from 'node:crypto';
import { AGENT_PROTOCOL_VERSION } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { EventEntity } from '../../src/events/event.entity';
import { JoinTokenEntity } from '../../src/zones/join-token.entity';
import { ZoneApiKeyEntity } from '../../src/zones/zone-api-key.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import {
  agentCall,
  createZone,
  enrollAgent,
  identity,
  issueApiKey,
  issueJoinToken,
  resources,
} from './agent-test-helpers';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(testDatabaseKinds())('agent join and session on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let zoneA: number;
  let zoneB: number;
  let keyA: { id: number; secret: string };
  let keyB: { id: number; secret: string };

  const agentCount = () => t.dataSource.manager.count(AgentEntity);
  const join = (body: Record<string, unknown>) => agentCall(t, 'POST', '/agent/v1/join', { body });

  beforeAll(async () => {
    t = await startTestApp(kind);
    operator = await t.tokenFor('operator');
    zoneA = await createZone(t, operator, 'join-a');
    zoneB = await createZone(t, operator, 'join-b');
    keyA = await issueApiKey(t, operator, zoneA);
    keyB = await issueApiKey(t, operator, zoneB);
  });
  afterAll(() => t?.close());

  it('joins with the zone API key: a new agent, its credential once, stored hashed, and an AGENT_JOINED event', async () => {
    const joined = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity('web-1') });
    expect(joined.status).toBe(201);
    expect(joined.body.agentKey).toMatch(/^agt_[A-Za-z0-9_-]{20}$/);
    expect(joined.body.zoneId).toBe(zoneA);
    expect(joined.body.credential).toMatch(/^opa_[A-Za-z0-9_-]{43}$/);
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: joined.body.agentKey });
    expect(row).toMatchObject({
      zoneId: zoneA,
      hostname: 'web-1',
      state: 'new',
      labels: { os: 'debian' },
      lastSeenAt: null,
    });
    expect(row.credentialHash).toBe(sha256(joined.body.credential));
    const event = await t.dataSource.manager.findOneByOrFail(EventEntity, {
      type: 'AGENT_JOINED',
      agentId: row.id,
    });
    expect(event).toMatchObject({ zoneId: zoneA, schemaVersion: 1 });
    expect(event.payload).toMatchObject({
      agentKey: row.agentKey,
      via: { kind: 'api-key', apiKeyId: keyA.id },
    });
    expect(JSON.stringify(event.payload)).not.toContain(joined.body.credential.slice(4));
    const key = await t.dataSource.manager.findOneByOrFail(ZoneApiKeyEntity, { id: keyA.id });
    expect(key.lastUsedAt).not.toBeNull();
  });

  it('joins with a join token once: token labels win over the host’s, and a second use is refused', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { labels: { os: 'from-token', rack: 'r7' } });
    const first = await join({
      zoneId: zoneA,
      joinToken: token.secret,
      identity: identity('db-1', { labels: { os: 'x', gpu: 'yes' } }),
    });
    expect(first.status).toBe(201);
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: first.body.agentKey });
    expect(row.labels).toEqual({ os: 'from-token', rack: 'r7', gpu: 'yes' });
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(1);
    const before = await agentCount();
    const second = await join({ zoneId: zoneA, joinToken: token.secret, identity: identity('db-2') });
    expect(second.status).toBe(401);
    expect(second.body.code).toBe('UNAUTHENTICATED');
    expect(await agentCount()).toBe(before);
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(1);
  });

  it('lets concurrent joins use a token exactly maxUses times', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { maxUses: 3 });
    const before = await agentCount();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        join({ zoneId: zoneA, joinToken: token.secret, identity: identity(`burst-${index}`) }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 401, 401, 401, 401, 401]);
    expect(await agentCount()).toBe(before + 3);
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(3);
  });

  it('refuses a key or token of another zone, unknown, revoked or expired ones alike, storing nothing', async () => {
    const revoked = await issueJoinToken(t, operator, zoneA);
    await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/${revoked.id}`, { token: operator });
    const expired = await issueJoinToken(t, operator, zoneA);
    await t.dataSource.manager.update(
      JoinTokenEntity,
      { id: expired.id },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const tokenOfB = await issueJoinToken(t, operator, zoneB);
    const revokedKey = await issueApiKey(t, operator, zoneA);
    await t.call('DELETE', `/api/v1/zones/${zoneA}/api-keys/${revokedKey.id}`, { token: operator });
    const before = await agentCount();
    const attempts = [
      { zoneId: zoneA, apiKey: keyB.secret },
      { zoneId: zoneA, apiKey: `opk_${'A'.repeat(43)}` },
      { zoneId: zoneA, apiKey: revokedKey.secret },
      { zoneId: zoneA, joinToken: tokenOfB.secret },
      { zoneId: zoneA, joinToken: revoked.secret },
      { zoneId: zoneA, joinToken: expired.secret },
      { zoneId: zoneA, joinToken: 'opj_unknown' },
      { zoneId: 999_999, apiKey: keyA.secret },
    ];
    const messages = new Set<string>();
    for (const attempt of attempts) {
      const answer = await join({ ...attempt, identity: identity() });
      expect({ attempt, status: answer.status, code: answer.body.code }).toEqual({
        attempt,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      messages.add(answer.body.message);
    }
    expect(messages.size).toBe(1);
    expect(await agentCount()).toBe(before);
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: tokenOfB.id })).uses).toBe(0);
  });

  it.each([
    [{ apiKey: 'k', joinToken: 't' }, 'body.apiKey'],
    [{}, 'body.apiKey'],
    [{ apiKey: 'k', identity: undefined }, 'body.identity'],
    [{ apiKey: 'k', zoneId: 'zone' }, 'body.zoneId'],
  ])('answers 400 for a malformed join (%j), storing nothing', async (overrides, path) => {
    const before = await agentCount();
    const answer = await join({ zoneId: zoneA, identity: identity(), ...overrides });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(await agentCount()).toBe(before);
  });

  it('exchanges the credential for a session token that expires after sessionTtlMs', async () => {
    const joined = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity() });
    const before = Date.now();
    const session = await agentCall(t, 'POST', '/agent/v1/session', {
      body: { agentKey: joined.body.agentKey, credential: joined.body.credential },
    });
    expect(session.status).toBe(200);
    const ttl = t.config.agentSettings.sessionTtlMs;
    expect(Date.parse(session.body.expiresAt)).toBeGreaterThanOrEqual(before + ttl - 2000);
    expect(Date.parse(session.body.expiresAt)).toBeLessThanOrEqual(Date.now() + ttl);
    const claims = JSON.parse(Buffer.from(session.body.token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ typ: 'agent', zid: zoneA, akey: joined.body.agentKey, iss: 'outpost' });
  });

  it('refuses a wrong credential, an unknown agent key and a retired agent with 401', async () => {
    const joined = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity() });
    const wrong = await agentCall(t, 'POST', '/agent/v1/session', {
      body: { agentKey: joined.body.agentKey, credential: `opa_${'B'.repeat(43)}` },
    });
    expect(wrong.status).toBe(401);
    const unknown = await agentCall(t, 'POST', '/agent/v1/session', {
      body: { agentKey: 'agt_nobodynobodynobody', credential: joined.body.credential },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe(wrong.body.message);
    await t.dataSource.manager.update(AgentEntity, { agentKey: joined.body.agentKey }, { state: 'retired' });
    const retired = await agentCall(t, 'POST', '/agent/v1/session', {
      body: { agentKey: joined.body.agentKey, credential: joined.body.credential },
    });
    expect(retired.status).toBe(401);
    expect(retired.body.message).toMatch(/retired/);
  });

  describe('protocol version', () => {
    it('answers a missing header with 400 PROTOCOL_VERSION_MISMATCH naming both sides', async () => {
      const answer = await t.call('POST', '/agent/v1/join', {
        body: { zoneId: zoneA, apiKey: keyA.secret, identity: identity() },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('PROTOCOL_VERSION_MISMATCH');
      expect(answer.body.message).toMatch(
        new RegExp(
          `x-outpost-protocol header is missing.*speaks agent protocol ${AGENT_PROTOCOL_VERSION}.*upgrade the agent`,
        ),
      );
    });

    it('tells a newer agent to upgrade the manager and an older one to upgrade the agent', async () => {
      const newer = await agentCall(t, 'POST', '/agent/v1/session', {
        headers: { 'x-outpost-protocol': String(AGENT_PROTOCOL_VERSION + 1) },
        body: { agentKey: 'a', credential: 'b' },
      });
      expect(newer.status).toBe(400);
      expect(newer.body.message).toBe(
        `agent speaks protocol ${AGENT_PROTOCOL_VERSION + 1} but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade the manager`,
      );
      const older = await agentCall(t, 'POST', '/agent/v1/session', {
        headers: { 'x-outpost-protocol': '0' },
        body: { agentKey: 'a', credential: 'b' },
      });
      expect(older.body.message).toBe(
        `agent speaks protocol 0 but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade the agent`,
      );
    });

    it('is checked before authentication and before validation, so nothing else runs', async () => {
      const before = await agentCount();
      const wrong = { 'x-outpost-protocol': '2' };
      const noToken = await agentCall(t, 'POST', '/agent/v1/handshake', { headers: wrong, body: {} });
      expect({ status: noToken.status, code: noToken.body.code }).toEqual({
        status: 400,
        code: 'PROTOCOL_VERSION_MISMATCH',
      });
      const badToken = await agentCall(t, 'POST', '/agent/v1/lease', {
        headers: wrong,
        token: 'garbage',
        body: {},
      });
      expect(badToken.body.code).toBe('PROTOCOL_VERSION_MISMATCH');
      const validJoin = await agentCall(t, 'POST', '/agent/v1/join', {
        headers: wrong,
        body: { zoneId: zoneA, apiKey: keyA.secret, identity: identity() },
      });
      expect(validJoin.body.code).toBe('PROTOCOL_VERSION_MISMATCH');
      expect(await agentCount()).toBe(before);
      // With the right header the same token-less call is an authentication failure.
      expect((await agentCall(t, 'POST', '/agent/v1/handshake', { body: {} })).status).toBe(401);
    });

    it('is not asked of user routes', async () => {
      expect((await t.call('GET', '/api/v1/zones', { token: operator })).status).toBe(200);
    });
  });

  describe('agent and user credentials stay apart', () => {
    it('refuses an agent token on user routes', async () => {
      const agent = await enrollAgent(t, zoneA, keyA.secret);
      for (const [method, path] of [
        ['GET', '/api/v1/zones'],
        ['GET', `/api/v1/zones/${zoneA}/agents`],
        ['GET', `/api/v1/zones/${zoneA}/elections`],
        ['POST', `/api/v1/zones/${zoneA}/join-tokens`],
      ]) {
        const answer = await t.call(method, path, {
          token: agent.token,
          body: method === 'POST' ? {} : undefined,
        });
        expect({ path, status: answer.status, code: answer.body.code }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    });

    it('refuses user session and API tokens on agent routes', async () => {
      const admin = await t.tokenFor('admin');
      const apiToken = (
        await t.call('POST', '/api/v1/auth/tokens', { token: admin, body: { name: 'script' } })
      ).body.secret;
      for (const token of [admin, operator, apiToken]) {
        const answer = await agentCall(t, 'POST', '/agent/v1/handshake', {
          token,
          body: { identity: identity(), resources, runningRunIds: [] },
        });
        expect({ status: answer.status, code: answer.body.code }).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    });
  });
});
