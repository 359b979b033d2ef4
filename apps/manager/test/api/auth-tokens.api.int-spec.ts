import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '../../src/common/clock/clock';
import { ApiTokenEntity } from '../../src/users/api-token.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

describe.each(testDatabaseKinds())('personal API tokens on %s', (kind) => {
  let t: TestApp;
  let viewer: string;
  let operator: string;
  let operatorId: number;

  const issue = async (session: string, body: Record<string, unknown> = { name: 'ci' }) => {
    const issued = await t.call('POST', '/api/v1/auth/tokens', { token: session, body });
    expect(issued.status).toBe(201);
    return issued.body as { token: { id: number; prefix: string }; secret: string };
  };
  const tokenCount = () => t.dataSource.manager.count(ApiTokenEntity);

  beforeAll(async () => {
    t = await startTestApp(kind);
    viewer = await t.tokenFor('viewer');
    operator = await t.tokenFor('operator');
    operatorId = (await t.call('GET', '/api/v1/auth/me', { token: operator })).body.id;
  });
  afterAll(() => t?.close());
  afterEach(() => vi.restoreAllMocks());

  it('issues a token once, stores only its hash and prefix, and lets a script act with the owner role', async () => {
    const issued = await issue(operator, { name: 'deploy script' });
    expect(issued.secret).toMatch(/^opt_[A-Za-z0-9_-]{43}$/);
    expect(issued.token).toMatchObject({
      name: 'deploy script',
      prefix: issued.secret.slice(0, 12),
      expiresAt: null,
      revokedAt: null,
    });

    const stored = await t.dataSource.manager.findOneByOrFail(ApiTokenEntity, { id: issued.token.id });
    expect(stored.userId).toBe(operatorId);
    expect(stored.tokenHash).toBe(createHash('sha256').update(issued.secret).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(issued.secret);

    const listed = await t.call('GET', '/api/v1/zones', { token: issued.secret });
    expect(listed.status).toBe(200);
    const created = await t.call('POST', '/api/v1/zones', {
      token: issued.secret,
      body: { name: 'from-a-script' },
    });
    expect(created.status).toBe(201);
    const me = await t.call('GET', '/api/v1/auth/me', { token: issued.secret });
    expect(me.body.id).toBe(operatorId);
  });

  it("gives a viewer's token only the viewer role", async () => {
    const issued = await issue(viewer);
    const refused = await t.call('POST', '/api/v1/zones', {
      token: issued.secret,
      body: { name: 'not-allowed' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
  });

  it('lists only the caller’s tokens, without secrets, and records their last use', async () => {
    const mine = await issue(viewer, { name: 'mine' });
    await issue(operator, { name: 'someone-elses' });
    await t.call('GET', '/api/v1/zones', { token: mine.secret });
    const listed = await t.call('GET', '/api/v1/auth/tokens', { token: viewer });
    expect(listed.status).toBe(200);
    const names = listed.body.items.map((token: { name: string }) => token.name);
    expect(names).toContain('mine');
    expect(names).not.toContain('someone-elses');
    expect(JSON.stringify(listed.body)).not.toContain(mine.secret);
    expect(JSON.stringify(listed.body)).not.toMatch(/tokenHash|token_hash/);
    const entry = listed.body.items.find((token: { id: number }) => token.id === mine.token.id);
    expect(entry.lastUsedAt).not.toBeNull();
    expect(listed.body.items[0].id).toBeGreaterThan(listed.body.items.at(-1).id);
  });

  it('stops accepting a token as soon as it is revoked', async () => {
    const issued = await issue(operator, { name: 'short-lived' });
    expect((await t.call('GET', '/api/v1/zones', { token: issued.secret })).status).toBe(200);
    const revoked = await t.call('DELETE', `/api/v1/auth/tokens/${issued.token.id}`, { token: operator });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await t.call('GET', '/api/v1/zones', { token: issued.secret });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
    const again = await t.call('DELETE', `/api/v1/auth/tokens/${issued.token.id}`, { token: operator });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it("cannot revoke another user's token: 404, and the token keeps working", async () => {
    const theirs = await issue(operator, { name: 'theirs' });
    const attempt = await t.call('DELETE', `/api/v1/auth/tokens/${theirs.token.id}`, { token: viewer });
    expect(attempt.status).toBe(404);
    expect(attempt.body.code).toBe('API_TOKEN_NOT_FOUND');
    expect(
      (await t.dataSource.manager.findOneByOrFail(ApiTokenEntity, { id: theirs.token.id })).revokedAt,
    ).toBeNull();
    expect((await t.call('GET', '/api/v1/zones', { token: theirs.secret })).status).toBe(200);
  });

  it('stops accepting a token once it expires', async () => {
    const issued = await issue(viewer, { name: 'one-day', expiresInDays: 1 });
    const expiresAt = Date.parse((issued.token as unknown as { expiresAt: string }).expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect((await t.call('GET', '/api/v1/zones', { token: issued.secret })).status).toBe(200);
    vi.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(expiresAt + 1000));
    const refused = await t.call('GET', '/api/v1/zones', { token: issued.secret });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a made-up token of the right shape', async () => {
    const refused = await t.call('GET', '/api/v1/zones', { token: `opt_${'A'.repeat(43)}` });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers bad input with 400 and stores nothing', async () => {
    const before = await tokenCount();
    for (const body of [
      {},
      { name: '' },
      { name: 'x', expiresInDays: 0 },
      { name: 'x', expiresInDays: 'soon' },
      { name: 'x', userId: 1 },
    ]) {
      const answer = await t.call('POST', '/api/v1/auth/tokens', { token: viewer, body });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await tokenCount()).toBe(before);
    expect((await t.call('DELETE', '/api/v1/auth/tokens/abc', { token: viewer })).status).toBe(400);
    const unknown = await t.call('DELETE', '/api/v1/auth/tokens/999999', { token: viewer });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('API_TOKEN_NOT_FOUND');
  });

  it('refuses anonymous callers with 401', async () => {
    const before = await tokenCount();
    expect((await t.call('GET', '/api/v1/auth/tokens')).status).toBe(401);
    expect((await t.call('POST', '/api/v1/auth/tokens', { body: { name: 'anon' } })).status).toBe(401);
    expect((await t.call('DELETE', '/api/v1/auth/tokens/1')).status).toBe(401);
    expect(await tokenCount()).toBe(before);
  });
});
