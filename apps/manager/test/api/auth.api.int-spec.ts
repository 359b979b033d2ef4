import { PasswordHasher } from '../../src/common/crypto/password-hasher';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '../../src/common/clock/clock';
import { AuditLogEntity } from '../../src/audit/audit-log.entity';
import { UserEntity } from '../../src/users/user.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const PASSWORD = 'correct horse battery';
const LOCKOUT_SECONDS = 600;

describe.each(testDatabaseKinds())('authentication API on %s', (kind) => {
  let t: TestApp;
  let adminToken: string;
  let ipCounter = 0;
  /** Each test signs in from its own address, so the per-address throttle of one does not leak into another. */
  const freshIp = () => {
    ipCounter += 1;
    return { 'x-forwarded-for': `198.51.100.${ipCounter}` };
  };
  const login = (username: string, password: string, headers: Record<string, string>) =>
    t.call('POST', '/api/v1/auth/login', { body: { username, password }, headers });
  const userCount = () => t.dataSource.manager.count(UserEntity);
  const createUser = async (username: string, role = 'viewer') => {
    const created = await t.call('POST', '/api/v1/users', {
      token: adminToken,
      body: { username, password: PASSWORD, role },
    });
    expect(created.status).toBe(201);
    return created.body as { id: number };
  };

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_LOGIN_MAX_FAILURES: '3',
      OUTPOST_LOGIN_LOCKOUT_SECONDS: String(LOCKOUT_SECONDS),
    });
  });
  afterAll(() => t?.close());
  afterEach(() => vi.restoreAllMocks());

  describe('first run', () => {
    it('reports that the manager is not activated and refuses sign-in with 409 NOT_ACTIVATED', async () => {
      const status = await t.call('GET', '/api/v1/auth/status');
      expect(status.status).toBe(200);
      expect(status.body).toEqual({ activated: false });
      const attempt = await login('admin', PASSWORD, freshIp());
      expect(attempt.status).toBe(409);
      expect(attempt.body.code).toBe('NOT_ACTIVATED');
    });

    it('refuses a short password or a bad username at activation and stores nothing', async () => {
      const short = await t.call('POST', '/api/v1/auth/activate', {
        body: { username: 'admin', password: 'short' },
      });
      expect(short.status).toBe(400);
      expect(short.body.details[0].path).toBe('body.password');
      const badName = await t.call('POST', '/api/v1/auth/activate', {
        body: { username: 'a b', password: PASSWORD },
      });
      expect(badName.status).toBe(400);
      const missing = await t.call('POST', '/api/v1/auth/activate', { body: { username: 'admin' } });
      expect(missing.status).toBe(400);
      expect(await userCount()).toBe(0);
    });

    it('creates exactly one admin when activations race', async () => {
      const attempts = await Promise.all(
        ['first', 'second', 'third', 'fourth', 'fifth'].map((name) =>
          t.call('POST', '/api/v1/auth/activate', {
            body: { username: `admin-${name}`, password: PASSWORD },
          }),
        ),
      );
      const winners = attempts.filter((attempt) => attempt.status === 201);
      expect(winners).toHaveLength(1);
      for (const loser of attempts.filter((attempt) => attempt.status !== 201)) {
        expect(loser.status).toBe(409);
        expect(loser.body.code).toBe('ALREADY_ACTIVATED');
      }
      const users = await t.dataSource.manager.find(UserEntity);
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({
        role: 'admin',
        isDisabled: false,
        username: winners[0]!.body.user.username,
      });
      expect(users[0]!.passwordHash).toMatch(/^\$argon2id\$/);
      adminToken = winners[0]!.body.accessToken;
      expect(winners[0]!.body.user).toMatchObject({ role: 'admin', isDisabled: false });
      expect(JSON.stringify(winners[0]!.body)).not.toContain('argon2');
      const me = await t.call('GET', '/api/v1/auth/me', { token: adminToken });
      expect(me.status).toBe(200);
      expect(me.body.username).toBe(users[0]!.username);
    });

    it('records the activation in the audit log', async () => {
      const rows = await t.dataSource.manager.findBy(AuditLogEntity, { action: 'activate' });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ targetType: 'Authentication', details: null });
      expect(rows[0]!.userId).toBe(Number(rows[0]!.targetId));
    });

    it('reports activation and refuses a second one with 409 ALREADY_ACTIVATED', async () => {
      expect((await t.call('GET', '/api/v1/auth/status')).body).toEqual({ activated: true });
      const again = await t.call('POST', '/api/v1/auth/activate', {
        body: { username: 'intruder', password: PASSWORD },
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ALREADY_ACTIVATED');
      expect(await userCount()).toBe(1);
    });
  });

  describe('sign-in', () => {
    it('answers a session whose token works, and records the time of the sign-in', async () => {
      const user = await createUser('sam');
      const before = Date.now();
      const session = await login('sam', PASSWORD, freshIp());
      expect(session.status).toBe(200);
      expect(session.body.user).toMatchObject({ id: user.id, username: 'sam', role: 'viewer' });
      const expiresAt = Date.parse(session.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + t.config.sessionTtlSeconds * 1000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + t.config.sessionTtlSeconds * 1000);
      expect(session.body.user.lastLoginAt).not.toBeNull();
      const stored = await t.dataSource.manager.findOneByOrFail(UserEntity, { id: user.id });
      expect(stored.lastLoginAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      const me = await t.call('GET', '/api/v1/auth/me', { token: session.body.accessToken });
      expect(me.body).toMatchObject({ id: user.id, username: 'sam' });
      const logged = await t.dataSource.manager.findBy(AuditLogEntity, { action: 'login', userId: user.id });
      expect(logged).toHaveLength(1);
    });

    it('answers an unknown user and a wrong password alike with 401 INVALID_CREDENTIALS', async () => {
      await createUser('kim');
      const wrongPassword = await login('kim', 'not the password', freshIp());
      const unknownUser = await login('nobody-here', PASSWORD, freshIp());
      for (const answer of [wrongPassword, unknownUser]) {
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('INVALID_CREDENTIALS');
      }
      expect(unknownUser.body.message).toBe(wrongPassword.body.message);
    });

    it('runs a full password verification for an unknown user too, so timing does not reveal who exists', async () => {
      await createUser('tim');
      // Counting argon2 verifications is deterministic, unlike timing on a shared machine: an unknown
      // user must cost the same single verification (against a dummy hash) as a wrong password.
      const verify = vi.spyOn(t.app.get(PasswordHasher), 'verify');
      const known = await login('tim', 'not the password', freshIp());
      const unknown = await login('ghost', 'not the password', freshIp());
      expect(known.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.body.message).toBe(known.body.message);
      expect(verify).toHaveBeenCalledTimes(2);
      verify.mockRestore();
    });

    it('refuses a disabled user even with the right password', async () => {
      const user = await createUser('dora');
      await t.call('PATCH', `/api/v1/users/${user.id}`, { token: adminToken, body: { isDisabled: true } });
      const attempt = await login('dora', PASSWORD, freshIp());
      expect(attempt.status).toBe(401);
      expect(attempt.body.code).toBe('INVALID_CREDENTIALS');
    });

    it('answers a malformed request with 400', async () => {
      const missing = await t.call('POST', '/api/v1/auth/login', { body: { username: 'sam' } });
      expect(missing.status).toBe(400);
      const extra = await t.call('POST', '/api/v1/auth/login', {
        body: { username: 'sam', password: PASSWORD, role: 'admin' },
      });
      expect(extra.status).toBe(400);
    });
  });

  describe('throttling', () => {
    it('locks an account after repeated failures from any address, even for the right password, until the window passes', async () => {
      await createUser('lock-me');
      for (let i = 0; i < 3; i += 1)
        expect((await login('lock-me', 'wrong password', freshIp())).status).toBe(401);
      const locked = await login('lock-me', PASSWORD, freshIp());
      expect(locked.status).toBe(429);
      expect(locked.body.code).toBe('TOO_MANY_REQUESTS');
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(LOCKOUT_SECONDS - 10);
      expect(retryAfter).toBeLessThanOrEqual(LOCKOUT_SECONDS);
      // Other accounts are not affected.
      await createUser('bystander');
      expect((await login('bystander', PASSWORD, freshIp())).status).toBe(200);

      const clock = t.app.get(Clock);
      const later = Date.now() + (LOCKOUT_SECONDS + 1) * 1000;
      vi.spyOn(clock, 'now').mockImplementation(() => new Date(later));
      expect((await login('lock-me', PASSWORD, freshIp())).status).toBe(200);
    });

    it('locks a client address that tries many accounts, and only that address', async () => {
      await createUser('spray-target');
      const attacker = freshIp();
      for (const name of ['guess-a', 'guess-b', 'guess-c'])
        expect((await login(name, PASSWORD, attacker)).status).toBe(401);
      const fromAttacker = await login('spray-target', PASSWORD, attacker);
      expect(fromAttacker.status).toBe(429);
      expect(Number(fromAttacker.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await login('spray-target', PASSWORD, freshIp())).status).toBe(200);
    });

    it('starts the account count over after a successful sign-in', async () => {
      await createUser('forgetful');
      const ip = freshIp;
      for (let i = 0; i < 2; i += 1) await login('forgetful', 'wrong password', ip());
      expect((await login('forgetful', PASSWORD, ip())).status).toBe(200);
      for (let i = 0; i < 2; i += 1) await login('forgetful', 'wrong password', ip());
      expect((await login('forgetful', PASSWORD, ip())).status).toBe(200);
    });
  });

  describe('the signed-in user', () => {
    it('answers /me for any role and 401 without or with a bad token', async () => {
      const viewer = await t.tokenFor('viewer');
      const me = await t.call('GET', '/api/v1/auth/me', { token: viewer });
      expect(me.status).toBe(200);
      expect(me.body.role).toBe('viewer');
      expect(me.body).not.toHaveProperty('passwordHash');
      for (const token of [undefined, 'garbage', `${viewer}x`]) {
        const answer = await t.call('GET', '/api/v1/auth/me', { token });
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('UNAUTHENTICATED');
      }
    });

    it('changes the password: older sessions stop working, the new one and the new password work', async () => {
      await createUser('changer');
      const first = (await login('changer', PASSWORD, freshIp())).body.accessToken as string;
      const second = (await login('changer', PASSWORD, freshIp())).body.accessToken as string;
      const changed = await t.call('PUT', '/api/v1/auth/password', {
        token: first,
        body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.user.username).toBe('changer');
      for (const old of [first, second]) {
        const refused = await t.call('GET', '/api/v1/auth/me', { token: old });
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('UNAUTHENTICATED');
      }
      expect((await t.call('GET', '/api/v1/auth/me', { token: changed.body.accessToken })).status).toBe(200);
      expect((await login('changer', 'a brand new passphrase', freshIp())).status).toBe(200);
      expect((await login('changer', PASSWORD, freshIp())).status).toBe(401);
    });

    it('refuses a wrong current password or a weak new one and keeps the password', async () => {
      await createUser('keeper');
      const token = (await login('keeper', PASSWORD, freshIp())).body.accessToken as string;
      const before = (await t.dataSource.manager.findOneByOrFail(UserEntity, { username: 'keeper' }))
        .passwordHash;
      const wrong = await t.call('PUT', '/api/v1/auth/password', {
        token,
        body: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
      const weak = await t.call('PUT', '/api/v1/auth/password', {
        token,
        body: { currentPassword: PASSWORD, newPassword: 'short' },
      });
      expect(weak.status).toBe(400);
      expect(weak.body.details[0].path).toBe('body.newPassword');
      const anonymous = await t.call('PUT', '/api/v1/auth/password', {
        body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
      });
      expect(anonymous.status).toBe(401);
      expect(
        (await t.dataSource.manager.findOneByOrFail(UserEntity, { username: 'keeper' })).passwordHash,
      ).toBe(before);
      expect((await t.call('GET', '/api/v1/auth/me', { token })).status).toBe(200);
    });
  });
});
