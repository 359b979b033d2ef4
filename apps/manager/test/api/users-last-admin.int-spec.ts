import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/create-app';
import { UserEntity } from '../../src/users/user.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const PASSWORD = 'correct horse battery';

/** Its own app: these tests need to know exactly how many admins exist. */
describe.each(testDatabaseKinds())('the last enabled admin on %s', (kind) => {
  let t: TestApp;
  let first: { id: number; token: string };

  const enabledAdmins = () => t.dataSource.manager.countBy(UserEntity, { role: 'admin', isDisabled: false });
  const addAdmin = async (username: string) => {
    const created = await t.call('POST', '/api/v1/users', {
      token: first.token,
      body: { username, password: PASSWORD, role: 'admin' },
    });
    expect(created.status).toBe(201);
    const session = await t.call('POST', '/api/v1/auth/login', { body: { username, password: PASSWORD } });
    return { id: created.body.id as number, token: session.body.accessToken as string };
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    const activated = await t.call('POST', '/api/v1/auth/activate', {
      body: { username: 'root-admin', password: PASSWORD },
    });
    first = { id: activated.body.user.id, token: activated.body.accessToken };
  });
  afterAll(() => t?.close());

  it('cannot be demoted, disabled or deleted: 409 LAST_ADMIN and nothing changes', async () => {
    for (const [method, body] of [
      ['PATCH', { role: 'operator' }],
      ['PATCH', { isDisabled: true }],
      ['PATCH', { role: 'viewer', isDisabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const answer = await t.call(method, `/api/v1/users/${first.id}`, { token: first.token, body });
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('LAST_ADMIN');
    }
    expect(await t.dataSource.manager.findOneByOrFail(UserEntity, { id: first.id })).toMatchObject({
      role: 'admin',
      isDisabled: false,
    });
  });

  it('may still change their own password', async () => {
    const changed = await t.call('PATCH', `/api/v1/users/${first.id}`, {
      token: first.token,
      body: { password: 'another fine passphrase' },
    });
    expect(changed.status).toBe(200);
    const session = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'root-admin', password: 'another fine passphrase' },
    });
    expect(session.status).toBe(200);
    first.token = session.body.accessToken;
  });

  it('does not count a disabled admin as another admin', async () => {
    const second = await addAdmin('second-admin');
    expect(
      (
        await t.call('PATCH', `/api/v1/users/${second.id}`, {
          token: first.token,
          body: { isDisabled: true },
        })
      ).status,
    ).toBe(200);
    const answer = await t.call('PATCH', `/api/v1/users/${first.id}`, {
      token: first.token,
      body: { role: 'operator' },
    });
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('LAST_ADMIN');
    await t.call('DELETE', `/api/v1/users/${second.id}`, { token: first.token });
  });

  it('can be demoted once another enabled admin exists', async () => {
    const other = await addAdmin('other-admin');
    const demoted = await t.call('PATCH', `/api/v1/users/${other.id}`, {
      token: first.token,
      body: { role: 'viewer' },
    });
    expect(demoted.status).toBe(200);
    expect(await enabledAdmins()).toBe(1);
  });

  it('survives two admins removing each other at the same time', async () => {
    for (let round = 0; round < 3; round += 1) {
      const a = await addAdmin(`racer-a-${round}`);
      const b = await addAdmin(`racer-b-${round}`);
      // Leave only a and b as enabled admins.
      await t.call('PATCH', `/api/v1/users/${first.id}`, { token: a.token, body: { isDisabled: true } });
      expect(await enabledAdmins()).toBe(2);
      const [aDeletesB, bDeletesA] = await Promise.all([
        t.call('DELETE', `/api/v1/users/${b.id}`, { token: a.token }),
        t.call('DELETE', `/api/v1/users/${a.id}`, { token: b.token }),
      ]);
      const statuses = [aDeletesB.status, bDeletesA.status];
      expect(statuses).toContain(200);
      expect(statuses.filter((status) => status !== 200)).toHaveLength(1);
      // The loser is either refused as the last admin, or was already gone when its call arrived.
      expect([401, 409]).toContain(statuses.find((status) => status !== 200));
      expect(await enabledAdmins()).toBe(1);
      const survivor = aDeletesB.status === 200 ? a : b;
      await t.call('PATCH', `/api/v1/users/${first.id}`, {
        token: survivor.token,
        body: { isDisabled: false },
      });
      first.token = (
        await t.call('POST', '/api/v1/auth/login', {
          body: { username: 'root-admin', password: 'another fine passphrase' },
        })
      ).body.accessToken;
      await t.call('DELETE', `/api/v1/users/${survivor.id}`, { token: first.token });
      expect(await enabledAdmins()).toBe(1);
    }
  });

  // Only MariaDB: several managers share one server database; the embedded SQLite file belongs to
  // one manager process, where the in-process queue already serialises these changes.
  it.runIf(kind === 'mariadb')('survives two managers each removing one of the last two admins', async () => {
    const second: NestExpressApplication = await createApp(t.config, { logger: false });
    await second.listen(0, '127.0.0.1');
    const secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as { port: number }).port}`;
    try {
      for (let round = 0; round < 3; round += 1) {
        const a = await addAdmin(`multi-a-${round}`);
        const b = await addAdmin(`multi-b-${round}`);
        await t.call('PATCH', `/api/v1/users/${first.id}`, { token: a.token, body: { isDisabled: true } });
        expect(await enabledAdmins()).toBe(2);
        const [viaFirst, viaSecond] = await Promise.all([
          t.call('DELETE', `/api/v1/users/${b.id}`, { token: a.token }).then((answer) => answer.status),
          fetch(`${secondUrl}/api/v1/users/${a.id}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${b.token}` },
          }).then((answer) => answer.status),
        ]);
        expect([viaFirst, viaSecond].filter((status) => status === 200)).toHaveLength(1);
        expect(await enabledAdmins()).toBe(1);
        const survivor = viaFirst === 200 ? a : b;
        await t.call('PATCH', `/api/v1/users/${first.id}`, {
          token: survivor.token,
          body: { isDisabled: false },
        });
        first.token = (
          await t.call('POST', '/api/v1/auth/login', {
            body: { username: 'root-admin', password: 'another fine passphrase' },
          })
        ).body.accessToken;
        await t.call('DELETE', `/api/v1/users/${survivor.id}`, { token: first.token });
      }
    } finally {
      await second.close();
    }
  });
});
