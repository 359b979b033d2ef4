import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenEntity } from '../../src/users/api-token.entity';
import { UserEntity } from '../../src/users/user.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const PASSWORD = 'correct horse battery';

describe.each(testDatabaseKinds())('users API on %s', (kind) => {
  let t: TestApp;
  let admin: string;
  let operator: string;
  let viewer: string;

  const userCount = () => t.dataSource.manager.count(UserEntity);
  const createUser = async (username: string, role: string) => {
    const created = await t.call('POST', '/api/v1/users', {
      token: admin,
      body: { username, password: PASSWORD, role },
    });
    expect(created.status).toBe(201);
    return created.body as { id: number; username: string };
  };
  /** Signs the user in and gives them a personal API token too. */
  const credentialsOf = async (username: string, password = PASSWORD) => {
    const session = (await t.call('POST', '/api/v1/auth/login', { body: { username, password } })).body
      .accessToken as string;
    const apiToken = (
      await t.call('POST', '/api/v1/auth/tokens', { token: session, body: { name: 'script' } })
    ).body.secret as string;
    return { session, apiToken };
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = await t.tokenFor('admin');
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
  });
  afterAll(() => t?.close());

  it('creates a user with 201, never answering the password or its hash, and lists it', async () => {
    const created = await t.call('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'olga', password: PASSWORD, role: 'operator' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'olga',
      role: 'operator',
      isDisabled: false,
      lastLoginAt: null,
    });
    expect(JSON.stringify(created.body)).not.toMatch(/password|argon2|horse/i);
    const stored = await t.dataSource.manager.findOneByOrFail(UserEntity, { id: created.body.id });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    const listed = await t.call('GET', '/api/v1/users?pageSize=500', { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((user: { username: string }) => user.username)).toContain('olga');
    expect(JSON.stringify(listed.body)).not.toMatch(/argon2/);
    expect(
      (await t.call('POST', '/api/v1/auth/login', { body: { username: 'olga', password: PASSWORD } })).status,
    ).toBe(200);
  });

  it('answers 409 USERNAME_TAKEN for a duplicate and stores nothing new', async () => {
    await createUser('dupe', 'viewer');
    const before = await userCount();
    const again = await t.call('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'dupe', password: PASSWORD, role: 'admin' },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('USERNAME_TAKEN');
    expect(await userCount()).toBe(before);
  });

  it('answers bad input with 400 and stores nothing', async () => {
    const before = await userCount();
    const bodies = [
      {},
      { username: 'valid-name', password: PASSWORD, role: 'root' },
      { username: 'valid-name', password: 'short', role: 'viewer' },
      { username: 'no spaces', password: PASSWORD, role: 'viewer' },
      { username: 'valid-name', password: PASSWORD, role: 'viewer', isDisabled: true },
      { username: 42, password: PASSWORD, role: 'viewer' },
    ];
    for (const body of bodies) {
      const answer = await t.call('POST', '/api/v1/users', { token: admin, body });
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await userCount()).toBe(before);
  });

  it('refuses operators and viewers with 403 and anonymous callers with 401, storing nothing', async () => {
    const before = await userCount();
    const body = { username: 'sneaky', password: PASSWORD, role: 'admin' };
    for (const token of [operator, viewer]) {
      const answer = await t.call('POST', '/api/v1/users', { token, body });
      expect(answer.status).toBe(403);
      expect((await t.call('GET', '/api/v1/users', { token })).status).toBe(403);
      expect((await t.call('PATCH', '/api/v1/users/1', { token, body: { role: 'admin' } })).status).toBe(403);
      expect((await t.call('DELETE', '/api/v1/users/1', { token })).status).toBe(403);
    }
    expect((await t.call('POST', '/api/v1/users', { body })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/users')).status).toBe(401);
    expect(await userCount()).toBe(before);
  });

  it("changes a user's role, effective on their very next call", async () => {
    const user = await createUser('promoted', 'viewer');
    const { session, apiToken } = await credentialsOf('promoted');
    expect(
      (await t.call('POST', '/api/v1/zones', { token: session, body: { name: 'before-promotion' } })).status,
    ).toBe(403);
    const changed = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      token: admin,
      body: { role: 'operator' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('operator');
    expect(
      (await t.call('POST', '/api/v1/zones', { token: session, body: { name: 'after-promotion' } })).status,
    ).toBe(201);
    expect(
      (await t.call('POST', '/api/v1/zones', { token: apiToken, body: { name: 'after-promotion-2' } }))
        .status,
    ).toBe(201);
  });

  it('disabling a user stops their sessions and API tokens at once; enabling restores them', async () => {
    const user = await createUser('disabled-soon', 'operator');
    const { session, apiToken } = await credentialsOf('disabled-soon');
    expect((await t.call('GET', '/api/v1/zones', { token: apiToken })).status).toBe(200);
    const disabled = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      token: admin,
      body: { isDisabled: true },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.isDisabled).toBe(true);
    for (const token of [session, apiToken]) {
      const refused = await t.call('GET', '/api/v1/zones', { token });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHENTICATED');
    }
    await t.call('PATCH', `/api/v1/users/${user.id}`, { token: admin, body: { isDisabled: false } });
    expect((await t.call('GET', '/api/v1/zones', { token: apiToken })).status).toBe(200);
  });

  it("resetting a user's password ends their sessions; the new password works", async () => {
    const user = await createUser('forgot', 'viewer');
    const { session } = await credentialsOf('forgot');
    const reset = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      token: admin,
      body: { password: 'reset by the admin' },
    });
    expect(reset.status).toBe(200);
    expect((await t.call('GET', '/api/v1/auth/me', { token: session })).status).toBe(401);
    expect(
      (
        await t.call('POST', '/api/v1/auth/login', {
          body: { username: 'forgot', password: 'reset by the admin' },
        })
      ).status,
    ).toBe(200);
  });

  it('answers 400 for an empty or malformed update and 404 for an unknown user, changing nothing', async () => {
    const user = await createUser('unchanged', 'viewer');
    const empty = await t.call('PATCH', `/api/v1/users/${user.id}`, { token: admin, body: {} });
    expect(empty.status).toBe(400);
    const badRole = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      token: admin,
      body: { role: 'root' },
    });
    expect(badRole.status).toBe(400);
    const badFlag = await t.call('PATCH', `/api/v1/users/${user.id}`, {
      token: admin,
      body: { isDisabled: 'yes' },
    });
    expect(badFlag.status).toBe(400);
    const badId = await t.call('PATCH', '/api/v1/users/abc', { token: admin, body: { role: 'admin' } });
    expect(badId.status).toBe(400);
    expect(badId.body.details[0].path).toBe('params.userId');
    const unknown = await t.call('PATCH', '/api/v1/users/999999', { token: admin, body: { role: 'admin' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('USER_NOT_FOUND');
    expect(await t.dataSource.manager.findOneByOrFail(UserEntity, { id: user.id })).toMatchObject({
      role: 'viewer',
      isDisabled: false,
    });
  });

  it('deletes a user with their API tokens; their credentials stop working', async () => {
    const user = await createUser('leaving', 'operator');
    const { session, apiToken } = await credentialsOf('leaving');
    expect(await t.dataSource.manager.countBy(ApiTokenEntity, { userId: user.id })).toBe(1);
    const deleted = await t.call('DELETE', `/api/v1/users/${user.id}`, { token: admin });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true });
    expect(await t.dataSource.manager.countBy(UserEntity, { id: user.id })).toBe(0);
    expect(await t.dataSource.manager.countBy(ApiTokenEntity, { userId: user.id })).toBe(0);
    for (const token of [session, apiToken])
      expect((await t.call('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    const again = await t.call('DELETE', `/api/v1/users/${user.id}`, { token: admin });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('USER_NOT_FOUND');
    expect((await t.call('DELETE', '/api/v1/users/0', { token: admin })).status).toBe(400);
  });

  it('pages the user list', async () => {
    const total = await userCount();
    const page = await t.call('GET', '/api/v1/users?page=2&pageSize=2', { token: admin });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total, page: 2, pageSize: 2 });
    expect(page.body.items).toHaveLength(2);
    expect((await t.call('GET', '/api/v1/users?pageSize=0', { token: admin })).status).toBe(400);
  });
});
