import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoinTokenEntity } from '../../src/zones/join-token.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { createZone, issueJoinToken } from './agent-test-helpers';

describe.each(testDatabaseKinds())('join tokens API on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  let zoneA: number;
  let zoneB: number;

  const tokenCount = () => t.dataSource.manager.count(JoinTokenEntity);

  beforeAll(async () => {
    t = await startTestApp(kind, { OUTPOST_PUBLIC_URL: 'https://outpost.example.com:8443' });
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    zoneA = await createZone(t, operator, 'jt-a');
    zoneB = await createZone(t, operator, 'jt-b');
  });
  afterAll(() => t?.close());

  it('issues a token with 201, its install command, and defaults of 60 minutes and one use', async () => {
    const before = Date.now();
    const created = await t.call('POST', `/api/v1/zones/${zoneA}/join-tokens`, { token: operator, body: {} });
    expect(created.status).toBe(201);
    const { joinToken, secret, installCommand } = created.body;
    expect(secret).toMatch(/^opj_[A-Za-z0-9_-]{43}$/);
    expect(installCommand).toBe(
      `curl -fsSL 'https://outpost.example.com:8443/install/agent.sh?token=${secret}' | sudo bash`,
    );
    expect(joinToken).toMatchObject({
      zoneId: zoneA,
      prefix: secret.slice(0, 12),
      labels: {},
      maxUses: 1,
      uses: 0,
      revokedAt: null,
    });
    const ttlMs = Date.parse(joinToken.expiresAt) - Date.parse(joinToken.createdAt);
    expect(ttlMs).toBe(60 * 60_000);
    expect(Date.parse(joinToken.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('stores only the hash of the secret', async () => {
    const { id, secret } = await issueJoinToken(t, operator, zoneA, {
      ttlMinutes: 5,
      maxUses: 3,
      labels: { rack: 'r1' },
    });
    const row = await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id });
    expect(row.tokenHash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret.slice(12));
    expect(row).toMatchObject({ maxUses: 3, uses: 0, labels: { rack: 'r1' } });
  });

  it('lists the zone’s tokens newest first, never with a secret, to a viewer', async () => {
    const listed = await t.call('GET', `/api/v1/zones/${zoneA}/join-tokens?pageSize=100`, { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBeGreaterThanOrEqual(2);
    const ids = listed.body.items.map((item: { id: number }) => item.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(JSON.stringify(listed.body)).not.toMatch(/opj_[A-Za-z0-9_-]{43}/);
    for (const item of listed.body.items) expect(item).not.toHaveProperty('secret');
  });

  it('revokes a token, idempotently', async () => {
    const { id } = await issueJoinToken(t, operator, zoneA);
    const revoked = await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/${id}`, { token: operator });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const again = await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/${id}`, { token: operator });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('keeps zones apart: another zone neither lists nor revokes the token', async () => {
    const { id } = await issueJoinToken(t, operator, zoneA);
    const listedInB = await t.call('GET', `/api/v1/zones/${zoneB}/join-tokens`, { token: viewer });
    expect(listedInB.body.items.map((item: { id: number }) => item.id)).not.toContain(id);
    const revokeFromB = await t.call('DELETE', `/api/v1/zones/${zoneB}/join-tokens/${id}`, {
      token: operator,
    });
    expect(revokeFromB.status).toBe(404);
    expect(revokeFromB.body.code).toBe('JOIN_TOKEN_NOT_FOUND');
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id })).revokedAt).toBeNull();
  });

  it('refuses a viewer with 403 and an anonymous caller with 401, storing nothing', async () => {
    const before = await tokenCount();
    const byViewer = await t.call('POST', `/api/v1/zones/${zoneA}/join-tokens`, { token: viewer, body: {} });
    expect(byViewer.status).toBe(403);
    expect((await t.call('POST', `/api/v1/zones/${zoneA}/join-tokens`, { body: {} })).status).toBe(401);
    expect((await t.call('GET', `/api/v1/zones/${zoneA}/join-tokens`)).status).toBe(401);
    const { id } = await issueJoinToken(t, operator, zoneA);
    expect(
      (await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/${id}`, { token: viewer })).status,
    ).toBe(403);
    expect(await tokenCount()).toBe(before + 1);
  });

  it.each([
    [{ ttlMinutes: 0 }, 'body.ttlMinutes'],
    [{ ttlMinutes: 10_081 }, 'body.ttlMinutes'],
    [{ ttlMinutes: 'soon' }, 'body.ttlMinutes'],
    [{ maxUses: 0 }, 'body.maxUses'],
    [{ maxUses: 1001 }, 'body.maxUses'],
    [{ labels: { 'bad key!': 'x' } }, 'body.labels'],
    [{ secret: 'opj_mine' }, 'body'],
  ])('answers 400 for %j and stores nothing', async (body, path) => {
    const before = await tokenCount();
    const answer = await t.call('POST', `/api/v1/zones/${zoneA}/join-tokens`, { token: operator, body });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(answer.body.details[0].path.startsWith(path)).toBe(true);
    expect(await tokenCount()).toBe(before);
  });

  it('accepts the limits: a week and a thousand uses', async () => {
    const answer = await t.call('POST', `/api/v1/zones/${zoneA}/join-tokens`, {
      token: operator,
      body: { ttlMinutes: 10_080, maxUses: 1000 },
    });
    expect(answer.status).toBe(201);
    expect(answer.body.joinToken.maxUses).toBe(1000);
  });

  it('answers 404 for an unknown zone or token and 400 for malformed ids', async () => {
    const before = await tokenCount();
    const unknownZone = await t.call('POST', '/api/v1/zones/999999/join-tokens', {
      token: operator,
      body: {},
    });
    expect(unknownZone.status).toBe(404);
    expect(unknownZone.body.code).toBe('ZONE_NOT_FOUND');
    expect((await t.call('GET', '/api/v1/zones/999999/join-tokens', { token: viewer })).body.code).toBe(
      'ZONE_NOT_FOUND',
    );
    expect(
      (await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/999999`, { token: operator })).status,
    ).toBe(404);
    const malformed = await t.call('DELETE', `/api/v1/zones/${zoneA}/join-tokens/abc`, { token: operator });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].path).toBe('params.tokenId');
    expect((await t.call('GET', '/api/v1/zones/x/join-tokens', { token: viewer })).status).toBe(400);
    expect(await tokenCount()).toBe(before);
  });
});
