import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { EventEntity } from '../../src/events/event.entity';
import { JoinTokenEntity } from '../../src/zones/join-token.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { agentCall, createZone, identity, issueApiKey, issueJoinToken } from './agent-test-helpers';

/** What the agent draws once per join: 128 random bits, base64url. */
const newJoinId = () => randomBytes(16).toString('base64url');

describe.each(testDatabaseKinds())('idempotent join (join id) on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let zoneA: number;
  let zoneB: number;
  let keyA: { id: number; secret: string };

  const join = (body: Record<string, unknown>) => agentCall(t, 'POST', '/agent/v1/join', { body });
  const session = (agentKey: string, credential: string) =>
    agentCall(t, 'POST', '/agent/v1/session', { body: { agentKey, credential } });
  const agentsWithJoinId = (joinId: string) => t.dataSource.manager.findBy(AgentEntity, { joinId });
  const tokenUses = async (id: number) =>
    (await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id })).uses;
  const joinedEvents = (agentId: number) =>
    t.dataSource.manager.countBy(EventEntity, { type: 'AGENT_JOINED', agentId });

  beforeAll(async () => {
    t = await startTestApp(kind);
    operator = await t.tokenFor('operator');
    zoneA = await createZone(t, operator, 'idem-a');
    zoneB = await createZone(t, operator, 'idem-b');
    keyA = await issueApiKey(t, operator, zoneA);
  });
  afterAll(() => t?.close());

  it('answers a retried join with the same agent and a fresh credential, spending a one-use token once', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { maxUses: 1, labels: { rack: 'r1' } });
    const joinId = newJoinId();
    const body = { zoneId: zoneA, joinToken: token.secret, identity: identity('retry-1'), joinId };

    const first = await join(body); // its answer "lost": the agent never sees it
    expect(first.status).toBe(201);
    const retried = await join(body);

    expect(retried.status).toBe(201);
    expect(retried.body.agentKey).toBe(first.body.agentKey);
    expect(retried.body.zoneId).toBe(zoneA);
    expect(retried.body.credential).toMatch(/^opa_[A-Za-z0-9_-]{43}$/);
    expect(retried.body.credential).not.toBe(first.body.credential);
    expect(await tokenUses(token.id)).toBe(1);
    const rows = await agentsWithJoinId(joinId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      zoneId: zoneA,
      agentKey: first.body.agentKey,
      joinTokenId: token.id,
      state: 'new',
      firstSessionAt: null,
      labels: { os: 'debian', rack: 'r1' },
    });
    expect(await joinedEvents(rows[0]!.id)).toBe(1);

    // The first answer's credential was replaced: it opens nothing; the retry's does.
    const stale = await session(first.body.agentKey, first.body.credential);
    expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await session(retried.body.agentKey, retried.body.credential)).status).toBe(200);
  });

  it('refuses the used-up token to a different join id, storing nothing', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { maxUses: 1 });
    const first = await join({
      zoneId: zoneA,
      joinToken: token.secret,
      identity: identity('first'),
      joinId: newJoinId(),
    });
    expect(first.status).toBe(201);
    const before = await t.dataSource.manager.count(AgentEntity);

    const otherJoinId = newJoinId();
    const other = await join({
      zoneId: zoneA,
      joinToken: token.secret,
      identity: identity('second'),
      joinId: otherJoinId,
    });

    expect({ status: other.status, code: other.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await t.dataSource.manager.count(AgentEntity)).toBe(before);
    expect(await agentsWithJoinId(otherJoinId)).toEqual([]);
    expect(await tokenUses(token.id)).toBe(1);
  });

  it.each([
    ['a one-use join token', { maxUses: 1 }],
    ['a join token with uses to spare', { maxUses: 5 }],
    ['the zone API key', null],
  ])('makes one agent of concurrent attempts with the same join id (%s)', async (_, tokenOptions) => {
    const token = tokenOptions ? await issueJoinToken(t, operator, zoneA, tokenOptions) : null;
    const joinId = newJoinId();
    const body = {
      zoneId: zoneA,
      ...(token ? { joinToken: token.secret } : { apiKey: keyA.secret }),
      identity: identity('racer'),
      joinId,
    };

    const answers = await Promise.all(Array.from({ length: 4 }, () => join(body)));

    const rows = await agentsWithJoinId(joinId);
    expect(rows).toHaveLength(1);
    if (token) expect(await tokenUses(token.id)).toBe(1);
    // Every attempt got that agent, or was told a later attempt of the same join already had it
    // (an attempt that arrived earlier must not void the credential a later one handed out).
    const created = answers.filter((answer) => answer.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.body.agentKey).toBe(rows[0]!.agentKey);
      else
        expect({ status: answer.status, code: answer.body.code }).toEqual({
          status: 409,
          code: 'AGENT_ALREADY_JOINED',
        });
    }
    // Exactly one of the credentials handed out is the agent's now.
    const opened = await Promise.all(
      created.map((answer) => session(answer.body.agentKey, answer.body.credential)),
    );
    expect(opened.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(await joinedEvents(rows[0]!.id)).toBe(1);
  });

  it('refuses with 409 a repeat after the agent opened a session, leaving its credential as it is', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { maxUses: 2 });
    const joinId = newJoinId();
    const body = { zoneId: zoneA, joinToken: token.secret, identity: identity('live'), joinId };
    const joined = await join(body);
    expect((await session(joined.body.agentKey, joined.body.credential)).status).toBe(200);
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: joined.body.agentKey });
    expect(row.firstSessionAt).toBeInstanceOf(Date);

    // Even with a key or token that is valid on its own: the join id is spent.
    for (const replay of [body, { zoneId: zoneA, apiKey: keyA.secret, identity: identity(), joinId }]) {
      const answer = await join(replay);
      expect({ status: answer.status, code: answer.body.code }).toEqual({
        status: 409,
        code: 'AGENT_ALREADY_JOINED',
      });
      expect(answer.body.message).toContain(joined.body.agentKey);
      expect(answer.body.message).toMatch(/opened a session/);
      expect(answer.body).not.toHaveProperty('credential');
    }
    const after = await t.dataSource.manager.findOneByOrFail(AgentEntity, { id: row.id });
    expect(after.credentialHash).toBe(row.credentialHash);
    expect(await tokenUses(token.id)).toBe(1);
    expect((await session(joined.body.agentKey, joined.body.credential)).status).toBe(200);
  });

  it('refuses with 409 a repeat for an agent that was retired before it ever connected', async () => {
    const joinId = newJoinId();
    const body = { zoneId: zoneA, apiKey: keyA.secret, identity: identity('retired'), joinId };
    const joined = await join(body);
    const retired = await t.call('POST', `/api/v1/zones/${zoneA}/agents/${joined.body.agentKey}/retire`, {
      token: operator,
    });
    expect(retired.status).toBe(200);

    const answer = await join(body);

    expect({ status: answer.status, code: answer.body.code }).toEqual({
      status: 409,
      code: 'AGENT_ALREADY_JOINED',
    });
    expect(answer.body.message).toMatch(/retired/);
  });

  it('answers an attempt older than the one whose credential is current with 409, keeping that credential', async () => {
    const joinId = newJoinId();
    const body = { zoneId: zoneA, apiKey: keyA.secret, identity: identity('stale'), joinId };
    const current = await join(body);
    // As if the answer the agent kept came from an attempt that reached the manager after this one.
    const later = new Date(Date.now() + 60_000);
    await t.dataSource.manager.update(AgentEntity, { joinId }, { joinAttemptAt: later });

    const stale = await join(body);

    expect({ status: stale.status, code: stale.body.code }).toEqual({
      status: 409,
      code: 'AGENT_ALREADY_JOINED',
    });
    expect(stale.body.message).toMatch(/later attempt/);
    expect((await session(current.body.agentKey, current.body.credential)).status).toBe(200);
  });

  it('still asks a repeat for a key or token valid in the zone: the join id alone opens nothing', async () => {
    const token = await issueJoinToken(t, operator, zoneA, { maxUses: 1 });
    const joinId = newJoinId();
    const joined = await join({
      zoneId: zoneA,
      joinToken: token.secret,
      identity: identity('guarded'),
      joinId,
    });
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: joined.body.agentKey });
    const unusable = await issueJoinToken(t, operator, zoneA, { maxUses: 1 });
    await t.dataSource.manager.update(JoinTokenEntity, { id: unusable.id }, { uses: 1 });
    const tokenOfB = await issueJoinToken(t, operator, zoneB);
    const keyB = await issueApiKey(t, operator, zoneB);

    for (const presented of [
      { apiKey: `opk_${'A'.repeat(43)}` },
      { apiKey: keyB.secret },
      { joinToken: tokenOfB.secret },
      // used up by ANOTHER join: only the token whose use made this agent counts when used up
      { joinToken: unusable.secret },
    ]) {
      const answer = await join({ zoneId: zoneA, ...presented, identity: identity(), joinId });
      expect({ presented, status: answer.status, code: answer.body.code }).toEqual({
        presented,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
    // Revoking the token that made the agent ends its repeats too.
    await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/${token.id}`, { token: operator });
    const revoked = await join({ zoneId: zoneA, joinToken: token.secret, identity: identity(), joinId });
    expect(revoked.status).toBe(401);

    const after = await t.dataSource.manager.findOneByOrFail(AgentEntity, { id: row.id });
    expect(after.credentialHash).toBe(row.credentialHash);
    expect((await session(joined.body.agentKey, joined.body.credential)).status).toBe(200);
    // A key of the zone is valid on its own, but by now the agent has opened a session.
    const withKey = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity(), joinId });
    expect(withKey.body.code).toBe('AGENT_ALREADY_JOINED');
  });

  it('keeps join ids apart per zone: the same id in another zone makes that zone its own agent', async () => {
    const joinId = newJoinId();
    const inA = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity('twin'), joinId });
    const keyB = await issueApiKey(t, operator, zoneB);
    const inB = await join({ zoneId: zoneB, apiKey: keyB.secret, identity: identity('twin'), joinId });

    expect(inA.status).toBe(201);
    expect(inB.status).toBe(201);
    expect(inB.body.agentKey).not.toBe(inA.body.agentKey);
    expect(inB.body.zoneId).toBe(zoneB);
    const rows = await agentsWithJoinId(joinId);
    expect(rows.map((row) => row.zoneId).sort()).toEqual([zoneA, zoneB].sort());
    // Zone A's agent still holds its own credential.
    expect((await session(inA.body.agentKey, inA.body.credential)).status).toBe(200);
  });

  it('joins as before without a join id: each attempt is a new agent', async () => {
    const body = { zoneId: zoneA, apiKey: keyA.secret, identity: identity('legacy') };
    const first = await join(body);
    const second = await join(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.agentKey).not.toBe(first.body.agentKey);
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: first.body.agentKey });
    expect(row).toMatchObject({ joinId: null, joinTokenId: null });
  });

  it.each(['short', 'has spaces in it and is long enough', 'x'.repeat(65)])(
    'answers 400 for a malformed join id (%s), storing nothing',
    async (joinId) => {
      const before = await t.dataSource.manager.count(AgentEntity);
      const answer = await join({ zoneId: zoneA, apiKey: keyA.secret, identity: identity(), joinId });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(answer.body.details.map((detail: { path: string }) => detail.path)).toContain('body.joinId');
      expect(await t.dataSource.manager.count(AgentEntity)).toBe(before);
    },
  );
});
