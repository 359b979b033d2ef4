import type { FindOptionsWhere } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLogEntity } from '../../src/audit/audit-log.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const PASSWORD = 'correct horse battery';

describe.each(testDatabaseKinds())('audit log on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let adminId: number;
  let operator: string;
  let operatorName: string;

  const rows = (where: FindOptionsWhere<AuditLogEntity> = {}) =>
    t.dataSource.manager.find(AuditLogEntity, { where, order: { id: 'ASC' } });
  const rowCount = () => t.dataSource.manager.count(AuditLogEntity);
  const sql = (statement: string) => t.dataSource.query(statement);
  const tableName = (name: string) => (kind === 'mariadb' ? `\`${name}\`` : `"${name}"`);

  beforeAll(async () => {
    t = await startTestApp(kind);
    const activated = await t.call('POST', '/api/v1/auth/activate', {
      body: { username: 'chief', password: PASSWORD },
      headers: { 'x-forwarded-for': '192.0.2.10' },
    });
    admin = activated.body.accessToken;
    adminId = activated.body.user.id;
    operator = await t.tokenFor('operator');
    operatorName = (await t.call('GET', '/api/v1/auth/me', { token: operator })).body.username;
  });
  afterAll(() => t?.close());

  it('recorded the activation with the client address', async () => {
    const [activation] = await rows({ action: 'activate' });
    expect(activation).toMatchObject({
      userId: adminId,
      username: 'chief',
      targetType: 'Authentication',
      targetId: String(adminId),
      ip: '192.0.2.10',
    });
  });

  it('records a creation with who, what, the new id and the address, and nothing of the body', async () => {
    const created = await t.call('POST', '/api/v1/zones', {
      token: operator,
      body: { name: 'audited-zone', labels: { secretish: 'zone-body-value' } },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(created.status).toBe(201);
    const [row] = await rows({ action: 'createZone' });
    expect(row).toMatchObject({
      username: operatorName,
      targetType: 'Zones',
      targetId: String(created.body.id),
      zoneId: null,
      ip: '203.0.113.7',
      details: { via: 'session' },
    });
    expect(JSON.stringify(row)).not.toContain('zone-body-value');
  });

  it('names the changed resource and its zone, and records issued keys without their secret', async () => {
    const zone = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'zone-two' } }))
      .body;
    await t.call('PATCH', `/api/v1/zones/${zone.id}`, {
      token: operator,
      body: { name: 'zone-two-renamed' },
    });
    const [update] = await rows({ action: 'updateZone' });
    expect(update).toMatchObject({ targetId: String(zone.id), zoneId: zone.id });
    const issued = await t.call('POST', `/api/v1/zones/${zone.id}/api-keys`, {
      token: operator,
      body: { name: 'k' },
    });
    expect(issued.status).toBe(201);
    const [key] = await rows({ action: 'createApiKey' });
    expect(key).toMatchObject({ targetId: String(issued.body.apiKey.id), zoneId: zone.id });
    const everything = JSON.stringify(await rows());
    expect(everything).not.toContain(issued.body.secret);
  });

  it('records sign-ins, password changes and token issuance, never a password or a token secret', async () => {
    await t.call('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'writer', password: PASSWORD, role: 'viewer' },
    });
    const session = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'writer', password: PASSWORD },
    });
    const writerId = session.body.user.id;
    expect(await rows({ action: 'login', targetId: String(writerId) })).toHaveLength(1);
    const changed = await t.call('PUT', '/api/v1/auth/password', {
      token: session.body.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'the-new-secret-passphrase' },
    });
    expect(changed.status).toBe(200);
    const issued = await t.call('POST', '/api/v1/auth/tokens', {
      token: changed.body.accessToken,
      body: { name: 'cli' },
    });
    await t.call('DELETE', `/api/v1/auth/tokens/${issued.body.token.id}`, { token: issued.body.secret });
    expect(await rows({ action: 'changePassword', targetId: String(writerId) })).toHaveLength(1);
    expect(await rows({ action: 'createApiToken', targetId: String(issued.body.token.id) })).toHaveLength(1);
    const [revoked] = await rows({ action: 'revokeApiToken' });
    expect(revoked).toMatchObject({ username: 'writer', details: { via: 'api-token' } });
    const everything = JSON.stringify(await rows());
    for (const secret of [
      PASSWORD,
      'the-new-secret-passphrase',
      issued.body.secret,
      session.body.accessToken,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('records nothing for reads, refused calls and failed changes', async () => {
    const before = await rowCount();
    await t.call('GET', '/api/v1/zones', { token: operator });
    await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'audited-zone' } });
    await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 42 } });
    await t.call('POST', '/api/v1/users', {
      token: operator,
      body: { username: 'x-user', password: PASSWORD, role: 'viewer' },
    });
    await t.call('POST', '/api/v1/zones', { body: { name: 'anonymous' } });
    await t.call('POST', '/api/v1/auth/login', { body: { username: 'chief', password: 'wrong password!' } });
    await t.call('DELETE', '/api/v1/zones/999999', { token: operator });
    expect(await rowCount()).toBe(before);
  });

  it('keeps a successful change successful when the audit write fails', async () => {
    await sql(`ALTER TABLE ${tableName('audit_logs')} RENAME TO ${tableName('audit_logs_away')}`);
    try {
      const created = await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'unaudited' } });
      expect(created.status).toBe(201);
      const session = await t.call('POST', '/api/v1/auth/login', {
        body: { username: 'chief', password: PASSWORD },
      });
      expect(session.status).toBe(200);
    } finally {
      await sql(`ALTER TABLE ${tableName('audit_logs_away')} RENAME TO ${tableName('audit_logs')}`);
    }
    const stored = await t.call('GET', '/api/v1/zones?name=unaudited', { token: operator });
    expect(stored.body.total).toBe(1);
    expect(await rows({ action: 'createZone', targetId: String(stored.body.items[0].id) })).toHaveLength(0);
  });

  it('keeps the username of a user who deleted their own account', async () => {
    await t.call('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'self-deleter', password: PASSWORD, role: 'admin' },
    });
    const session = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'self-deleter', password: PASSWORD },
    });
    const id = session.body.user.id;
    const deleted = await t.call('DELETE', `/api/v1/users/${id}`, { token: session.body.accessToken });
    expect(deleted.status).toBe(200);
    const [row] = await rows({ action: 'deleteUser', targetId: String(id) });
    expect(row).toMatchObject({ userId: null, username: 'self-deleter' });
  });

  describe('GET /api/v1/audit-log', () => {
    it('lists entries newest first for an admin', async () => {
      const listed = await t.call('GET', '/api/v1/audit-log?pageSize=500', { token: admin });
      expect(listed.status).toBe(200);
      expect(listed.body.total).toBe(await rowCount());
      const ids = listed.body.items.map((entry: { id: number }) => entry.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(listed.body.items.at(-1)).toMatchObject({ action: 'activate', username: 'chief' });
      expect(listed.body.items[0]).not.toHaveProperty('userId');
    });

    it('filters by action and by zone, and pages', async () => {
      const byAction = await t.call('GET', '/api/v1/audit-log?action=createZone', { token: admin });
      expect(byAction.body.items.length).toBeGreaterThan(0);
      expect(byAction.body.items.every((entry: { action: string }) => entry.action === 'createZone')).toBe(
        true,
      );
      const zoneId = (await rows({ action: 'updateZone' }))[0]!.zoneId!;
      const byZone = await t.call('GET', `/api/v1/audit-log?zoneId=${zoneId}`, { token: admin });
      expect(byZone.body.items.map((entry: { action: string }) => entry.action).sort()).toEqual([
        'createApiKey',
        'updateZone',
      ]);
      const page = await t.call('GET', '/api/v1/audit-log?page=2&pageSize=1', { token: admin });
      expect(page.body).toMatchObject({ page: 2, pageSize: 1, total: await rowCount() });
      expect(page.body.items).toHaveLength(1);
      expect(
        (await t.call('GET', '/api/v1/audit-log?action=nothing-like-this', { token: admin })).body.total,
      ).toBe(0);
    });

    it('answers 400 for bad filters', async () => {
      for (const query of ['zoneId=abc', 'zoneId=-1', 'page=0', `action=${'x'.repeat(65)}`]) {
        const answer = await t.call('GET', `/api/v1/audit-log?${query}`, { token: admin });
        expect(answer.status).toBe(400);
        expect(answer.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('refuses an operator with 403 and an anonymous caller with 401', async () => {
      expect((await t.call('GET', '/api/v1/audit-log', { token: operator })).status).toBe(403);
      expect((await t.call('GET', '/api/v1/audit-log')).status).toBe(401);
    });
  });
});
