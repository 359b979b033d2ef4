import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/common/crypto/secret-box';
import { CredentialEntity } from '../../src/credentials/credential.entity';
import { CredentialsService } from '../../src/credentials/credentials.service';
import { startTestApp, type CallOptions, type CallResult, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

/** A value no response, id or timestamp could contain by accident. */
const secretValue = (label: string): string => `plain-${label}-${randomBytes(8).toString('hex')}`;

describe.each(testDatabaseKinds())('credentials API on %s', (kind) => {
  let t: TestApp;
  let box: SecretBox;
  let operator: string;
  let viewer: string;
  let zoneA: number;
  let zoneB: number;
  /** Every plaintext value sent, and every response text received, for the final sweep. */
  const sentValues: string[] = [];
  const responseTexts: string[] = [];

  async function call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
    const body = options.body as { value?: unknown } | undefined;
    if (typeof body?.value === 'string') sentValues.push(body.value);
    const response = await t.call(method, path, options);
    responseTexts.push(JSON.stringify(response.body));
    return response;
  }

  async function createCredential(
    zoneId: number,
    key: string,
    value: string,
  ): Promise<{ id: number; key: string }> {
    const created = await call('POST', `/api/v1/zones/${zoneId}/credentials`, {
      token: operator,
      body: { key, value },
    });
    expect(created.status).toBe(201);
    return created.body;
  }

  function storedRow(id: number): Promise<CredentialEntity | null> {
    return t.dataSource.manager.findOneBy(CredentialEntity, { id });
  }

  function countInZone(zoneId: number): Promise<number> {
    return t.dataSource.manager.countBy(CredentialEntity, { zoneId });
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    box = t.app.get(SecretBox);
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    zoneA = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'zone-a' } })).body.id;
    zoneB = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'zone-b' } })).body.id;
  });
  afterAll(() => t?.close());

  it('creates a credential with 201, stores only ciphertext and never shows the value', async () => {
    const value = secretValue('create');
    const created = await call('POST', `/api/v1/zones/${zoneA}/credentials`, {
      token: operator,
      body: { key: 'DB_PASSWORD', value },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      zoneId: zoneA,
      key: 'DB_PASSWORD',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain(value);

    const row = await storedRow(created.body.id);
    expect(row?.valueCiphertext).toBeTruthy();
    expect(row?.valueCiphertext).not.toContain(value);
    expect(row?.valueCiphertext).not.toContain(Buffer.from(value).toString('base64'));
    expect(box.open(row!.valueCiphertext)).toBe(value);
  });

  it('seals the same value differently each time', async () => {
    const value = secretValue('twice');
    const first = await createCredential(zoneA, 'TWICE_1', value);
    const second = await createCredential(zoneA, 'TWICE_2', value);
    const [rowOne, rowTwo] = await Promise.all([storedRow(first.id), storedRow(second.id)]);
    expect(rowOne?.valueCiphertext).not.toBe(rowTwo?.valueCiphertext);
  });

  it('accepts a value of exactly 8192 characters, including non-ASCII text', async () => {
    const value = `é${secretValue('long')}`.padEnd(8192, 'ü');
    const created = await createCredential(zoneA, 'LONG_VALUE', value);
    expect(box.open((await storedRow(created.id))!.valueCiphertext)).toBe(value);
  });

  it('lists and gets credentials without values, through the API path and the Klevr alias', async () => {
    const value = secretValue('listed');
    const created = await createCredential(zoneA, 'LISTED', value);
    const listed = await call('GET', `/api/v1/zones/${zoneA}/credentials`, { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((c: { key: string }) => c.key)).toContain('LISTED');
    expect(
      listed.body.items.every((c: Record<string, unknown>) => !('value' in c) && !('valueCiphertext' in c)),
    ).toBe(true);
    const keys = listed.body.items.map((c: { key: string }) => c.key);
    expect(keys).toEqual([...keys].sort());

    const alias = await call('GET', `/inner/groups/${zoneA}/credentials`, { token: viewer });
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(listed.body);

    const got = await call('GET', `/api/v1/zones/${zoneA}/credentials/${created.id}`, { token: viewer });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: created.id, zoneId: zoneA, key: 'LISTED' });
    const klevrGot = await call('GET', `/inner/credentials/${created.id}`, { token: viewer });
    expect(klevrGot.status).toBe(200);
    expect(klevrGot.body).toEqual(got.body);
    for (const response of [listed, alias, got, klevrGot])
      expect(JSON.stringify(response.body)).not.toContain(value);
  });

  it('pages the list', async () => {
    const zone = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'paged' } })).body
      .id;
    for (const key of ['K_C', 'K_A', 'K_B']) await createCredential(zone, key, secretValue(key));
    const page = await call('GET', `/api/v1/zones/${zone}/credentials?page=2&pageSize=2`, { token: viewer });
    expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.body.items.map((c: { key: string }) => c.key)).toEqual(['K_C']);
  });

  it('replaces a value: new ciphertext, same key, updatedAt moves, value not echoed', async () => {
    const created = await createCredential(zoneA, 'ROTATED', secretValue('old'));
    const before = await storedRow(created.id);
    const newValue = secretValue('new');
    const updated = await call('PUT', `/api/v1/zones/${zoneA}/credentials/${created.id}`, {
      token: operator,
      body: { value: newValue },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.id, zoneId: zoneA, key: 'ROTATED' });
    expect(JSON.stringify(updated.body)).not.toContain(newValue);
    const after = await storedRow(created.id);
    expect(after?.valueCiphertext).not.toBe(before?.valueCiphertext);
    expect(after?.valueCiphertext).not.toContain(newValue);
    expect(box.open(after!.valueCiphertext)).toBe(newValue);
    expect(after!.updatedAt.getTime()).toBeGreaterThanOrEqual(before!.updatedAt.getTime());
    expect(after!.createdAt.getTime()).toBe(before!.createdAt.getTime());
    expect(updated.body.updatedAt).toBe(after!.updatedAt.toISOString());
  });

  it('deletes a credential, after which it is a 404', async () => {
    const created = await createCredential(zoneA, 'TO_DELETE', secretValue('gone'));
    const deleted = await call('DELETE', `/api/v1/zones/${zoneA}/credentials/${created.id}`, {
      token: operator,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true });
    expect(await storedRow(created.id)).toBeNull();
    const again = await call('GET', `/api/v1/zones/${zoneA}/credentials/${created.id}`, { token: viewer });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('CREDENTIAL_NOT_FOUND');
    expect(
      (await call('DELETE', `/api/v1/zones/${zoneA}/credentials/${created.id}`, { token: operator })).status,
    ).toBe(404);
  });

  it('answers 409 CREDENTIAL_KEY_TAKEN for a key the zone already has and keeps the first value', async () => {
    const first = secretValue('first');
    const created = await createCredential(zoneA, 'DUPLICATE', first);
    const second = secretValue('second');
    const again = await call('POST', `/api/v1/zones/${zoneA}/credentials`, {
      token: operator,
      body: { key: 'DUPLICATE', value: second },
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CREDENTIAL_KEY_TAKEN');
    expect(JSON.stringify(again.body)).not.toContain(second);
    expect(await t.dataSource.manager.countBy(CredentialEntity, { zoneId: zoneA, key: 'DUPLICATE' })).toBe(1);
    expect(box.open((await storedRow(created.id))!.valueCiphertext)).toBe(first);
  });

  it('lets two zones use the same key', async () => {
    await createCredential(zoneA, 'SHARED_NAME', secretValue('a'));
    await createCredential(zoneB, 'SHARED_NAME', secretValue('b'));
    expect(await t.dataSource.manager.countBy(CredentialEntity, { key: 'SHARED_NAME' })).toBe(2);
  });

  it.each([
    ['a key starting with a digit', { key: '1abc', value: 'v' }, 'body.key'],
    ['a key with a dash', { key: 'a-b', value: 'v' }, 'body.key'],
    ['an empty key', { key: '', value: 'v' }, 'body.key'],
    ['a key over 100 characters', { key: `K${'x'.repeat(100)}`, value: 'v' }, 'body.key'],
    ['a missing key', { value: 'v' }, 'body.key'],
    ['an empty value', { key: 'EMPTY', value: '' }, 'body.value'],
    ['a value over 8192 characters', { key: 'TOO_LONG', value: 'x'.repeat(8193) }, 'body.value'],
    ['a missing value', { key: 'NO_VALUE' }, 'body.value'],
    ['a value that is not a string', { key: 'NUMBER', value: 12345 }, 'body.value'],
    ['an unknown field', { key: 'EXTRA', value: 'v', note: 'x' }, 'body'],
  ])('refuses %s with 400 naming the path and stores nothing', async (_, body, path) => {
    const before = await countInZone(zoneA);
    const response = await call('POST', `/api/v1/zones/${zoneA}/credentials`, { token: operator, body });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await countInZone(zoneA)).toBe(before);
  });

  it('does not echo a refused value in the error body', async () => {
    const value = `${secretValue('refused')}${'y'.repeat(8192)}`;
    const response = await call('POST', `/api/v1/zones/${zoneA}/credentials`, {
      token: operator,
      body: { key: 'REFUSED', value },
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).not.toContain(value.slice(0, 30));
  });

  it('refuses an invalid update with 400 and leaves the value as it was', async () => {
    const value = secretValue('kept');
    const created = await createCredential(zoneA, 'KEPT', value);
    for (const body of [{ value: '' }, { value: 'z'.repeat(8193) }, { value: 'ok', key: 'RENAMED' }, {}]) {
      const response = await call('PUT', `/api/v1/zones/${zoneA}/credentials/${created.id}`, {
        token: operator,
        body,
      });
      expect(response.status).toBe(400);
      expect(response.body.details.length).toBeGreaterThan(0);
    }
    const row = await storedRow(created.id);
    expect(row?.key).toBe('KEPT');
    expect(box.open(row!.valueCiphertext)).toBe(value);
  });

  it('answers 404 ZONE_NOT_FOUND for an unknown zone and stores nothing', async () => {
    const total = await t.dataSource.manager.count(CredentialEntity);
    const created = await call('POST', '/api/v1/zones/999999/credentials', {
      token: operator,
      body: { key: 'ORPHAN', value: 'v' },
    });
    expect(created.status).toBe(404);
    expect(created.body.code).toBe('ZONE_NOT_FOUND');
    const listed = await call('GET', '/api/v1/zones/999999/credentials', { token: viewer });
    expect(listed.status).toBe(404);
    expect(listed.body.code).toBe('ZONE_NOT_FOUND');
    const klevr = await call('POST', '/inner/credentials', {
      token: operator,
      body: { zoneId: 999999, key: 'ORPHAN', value: 'v' },
    });
    expect(klevr.status).toBe(404);
    expect(klevr.body.code).toBe('ZONE_NOT_FOUND');
    expect(await t.dataSource.manager.count(CredentialEntity)).toBe(total);
  });

  it('answers 404 CREDENTIAL_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/zones/${zoneA}/credentials/999999`],
      ['DELETE', `/api/v1/zones/${zoneA}/credentials/999999`],
      ['GET', '/inner/credentials/999999'],
      ['DELETE', '/inner/credentials/999999'],
    ] as const) {
      const response = await call(method, path, { token: operator });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('CREDENTIAL_NOT_FOUND');
    }
    const update = await call('PUT', `/api/v1/zones/${zoneA}/credentials/999999`, {
      token: operator,
      body: { value: 'v' },
    });
    expect(update.status).toBe(404);
    for (const path of [
      `/api/v1/zones/${zoneA}/credentials/abc`,
      `/api/v1/zones/${zoneA}/credentials/-1`,
      '/inner/credentials/abc',
    ]) {
      const response = await call('GET', path, { token: viewer });
      expect(response.status).toBe(400);
      expect(response.body.details[0].path).toBe('params.credentialId');
    }
    const badZone = await call('GET', '/api/v1/zones/abc/credentials', { token: viewer });
    expect(badZone.status).toBe(400);
    expect(badZone.body.details[0].path).toBe('params.zoneId');
  });

  it("keeps zone A's credential out of reach through zone B's paths", async () => {
    const value = secretValue('isolated');
    const created = await createCredential(zoneA, 'ISOLATED', value);
    const before = await storedRow(created.id);

    const got = await call('GET', `/api/v1/zones/${zoneB}/credentials/${created.id}`, { token: viewer });
    expect(got.status).toBe(404);
    expect(got.body.code).toBe('CREDENTIAL_NOT_FOUND');
    const updated = await call('PUT', `/api/v1/zones/${zoneB}/credentials/${created.id}`, {
      token: operator,
      body: { value: secretValue('hijack') },
    });
    expect(updated.status).toBe(404);
    const deleted = await call('DELETE', `/api/v1/zones/${zoneB}/credentials/${created.id}`, {
      token: operator,
    });
    expect(deleted.status).toBe(404);
    const listed = await call('GET', `/api/v1/zones/${zoneB}/credentials?pageSize=500`, { token: viewer });
    expect(listed.body.items.map((c: { id: number }) => c.id)).not.toContain(created.id);
    expect(listed.body.items.every((c: { zoneId: number }) => c.zoneId === zoneB)).toBe(true);
    const klevrUpdate = await call('PUT', '/inner/credentials', {
      token: operator,
      body: { zoneId: zoneB, key: 'ISOLATED', value: secretValue('hijack') },
    });
    expect(klevrUpdate.status).toBe(404);
    expect(klevrUpdate.body.code).toBe('CREDENTIAL_NOT_FOUND');

    const after = await storedRow(created.id);
    expect(after).toEqual(before);
    expect(box.open(after!.valueCiphertext)).toBe(value);
  });

  it('supports the Klevr forms: create and replace by zone and key, get and delete by id', async () => {
    const first = secretValue('klevr-1');
    const created = await call('POST', '/inner/credentials', {
      token: operator,
      body: { zoneId: zoneB, key: 'KLEVR_KEY', value: first },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ zoneId: zoneB, key: 'KLEVR_KEY' });
    expect(box.open((await storedRow(created.body.id))!.valueCiphertext)).toBe(first);

    const second = secretValue('klevr-2');
    const replaced = await call('PUT', '/inner/credentials', {
      token: operator,
      body: { zoneId: zoneB, key: 'KLEVR_KEY', value: second },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: created.body.id, zoneId: zoneB, key: 'KLEVR_KEY' });
    expect(box.open((await storedRow(created.body.id))!.valueCiphertext)).toBe(second);

    const got = await call('GET', `/inner/credentials/${created.body.id}`, { token: viewer });
    expect(got.body).toMatchObject({ id: created.body.id, key: 'KLEVR_KEY' });
    const deleted = await call('DELETE', `/inner/credentials/${created.body.id}`, { token: operator });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true });
    expect(await storedRow(created.body.id)).toBeNull();
    for (const response of [created, replaced, got]) {
      expect(JSON.stringify(response.body)).not.toContain(first);
      expect(JSON.stringify(response.body)).not.toContain(second);
    }
  });

  it('answers the Klevr PUT with 404 for a key the zone lacks, creating nothing', async () => {
    const before = await countInZone(zoneB);
    const response = await call('PUT', '/inner/credentials', {
      token: operator,
      body: { zoneId: zoneB, key: 'NEVER_CREATED', value: 'v' },
    });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('CREDENTIAL_NOT_FOUND');
    const noZone = await call('PUT', '/inner/credentials', {
      token: operator,
      body: { zoneId: 999999, key: 'NEVER_CREATED', value: 'v' },
    });
    expect(noZone.status).toBe(404);
    expect(noZone.body.code).toBe('ZONE_NOT_FOUND');
    expect(await countInZone(zoneB)).toBe(before);
  });

  it('validates the Klevr body like the API one', async () => {
    const before = await t.dataSource.manager.count(CredentialEntity);
    for (const [body, path] of [
      [{ key: 'NO_ZONE', value: 'v' }, 'body.zoneId'],
      [{ zoneId: 'abc', key: 'BAD_ZONE', value: 'v' }, 'body.zoneId'],
      [{ zoneId: zoneA, key: 'a-b', value: 'v' }, 'body.key'],
      [{ zoneId: zoneA, key: 'NO_VALUE', value: '' }, 'body.value'],
      [{ zoneId: zoneA, key: 'EXTRA', value: 'v', hash: 'x' }, 'body'],
    ] as const) {
      for (const method of ['POST', 'PUT']) {
        const response = await call(method, '/inner/credentials', { token: operator, body });
        expect(response.status).toBe(400);
        expect(response.body.details.map((d: { path: string }) => d.path)).toContain(path);
      }
    }
    expect(await t.dataSource.manager.count(CredentialEntity)).toBe(before);
  });

  it('refuses a viewer with 403 on every write and changes nothing', async () => {
    const value = secretValue('viewer');
    const created = await createCredential(zoneA, 'VIEWER_TARGET', value);
    const before = await storedRow(created.id);
    const total = await t.dataSource.manager.count(CredentialEntity);
    for (const [method, path, body] of [
      ['POST', `/api/v1/zones/${zoneA}/credentials`, { key: 'BY_VIEWER', value: 'v' }],
      ['PUT', `/api/v1/zones/${zoneA}/credentials/${created.id}`, { value: 'changed' }],
      ['DELETE', `/api/v1/zones/${zoneA}/credentials/${created.id}`, undefined],
      ['POST', '/inner/credentials', { zoneId: zoneA, key: 'BY_VIEWER', value: 'v' }],
      ['PUT', '/inner/credentials', { zoneId: zoneA, key: 'VIEWER_TARGET', value: 'changed' }],
      ['DELETE', `/inner/credentials/${created.id}`, undefined],
    ] as const) {
      const response = await call(method, path, { token: viewer, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
    expect(await storedRow(created.id)).toEqual(before);
    expect(await t.dataSource.manager.count(CredentialEntity)).toBe(total);
  });

  it('answers 401 to an anonymous caller on every route', async () => {
    const created = await createCredential(zoneA, 'ANON_TARGET', secretValue('anon'));
    for (const [method, path, body] of [
      ['GET', `/api/v1/zones/${zoneA}/credentials`, undefined],
      ['GET', `/inner/groups/${zoneA}/credentials`, undefined],
      ['POST', `/api/v1/zones/${zoneA}/credentials`, { key: 'ANON', value: 'v' }],
      ['GET', `/api/v1/zones/${zoneA}/credentials/${created.id}`, undefined],
      ['PUT', `/api/v1/zones/${zoneA}/credentials/${created.id}`, { value: 'v' }],
      ['DELETE', `/api/v1/zones/${zoneA}/credentials/${created.id}`, undefined],
      ['POST', '/inner/credentials', { zoneId: zoneA, key: 'ANON', value: 'v' }],
      ['PUT', '/inner/credentials', { zoneId: zoneA, key: 'ANON_TARGET', value: 'v' }],
      ['GET', `/inner/credentials/${created.id}`, undefined],
      ['DELETE', `/inner/credentials/${created.id}`, undefined],
    ] as const) {
      const response = await call(method, path, { body });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    expect(await storedRow(created.id)).not.toBeNull();
    expect(await t.dataSource.manager.countBy(CredentialEntity, { key: 'ANON' })).toBe(0);
  });

  it("resolves a zone's credentials to plaintext for delivery, and only that zone's", async () => {
    const zone = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'resolved' } })).body
      .id;
    const other = (
      await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'resolved-other' } })
    ).body.id;
    const token = secretValue('token');
    const password = secretValue('password');
    await createCredential(zone, 'TOKEN', token);
    const pw = await createCredential(zone, 'PASSWORD', password);
    await call('PUT', `/api/v1/zones/${zone}/credentials/${pw.id}`, {
      token: operator,
      body: { value: `${password}-v2` },
    });
    await createCredential(other, 'FOREIGN', secretValue('foreign'));
    const service = t.app.get(CredentialsService);
    expect(await service.resolveForZone(zone)).toEqual({ TOKEN: token, PASSWORD: `${password}-v2` });
  });

  it('refuses a key that differs only in case from an existing one, on every database', async () => {
    const first = await call('POST', `/api/v1/zones/${zoneA}/credentials`, {
      token: operator,
      body: { key: 'CASE_KEY', value: secretValue('case-1') },
    });
    expect(first.status).toBe(201);
    const second = await call('POST', `/api/v1/zones/${zoneA}/credentials`, {
      token: operator,
      body: { key: 'case_key', value: secretValue('case-2') },
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('CREDENTIAL_KEY_TAKEN');
  });

  // Runs last: every response of this file, successes and errors alike.
  it('never put a credential value in any response body', () => {
    expect(sentValues.length).toBeGreaterThan(10);
    const everything = responseTexts.join('\n');
    for (const value of sentValues.filter((v) => v.length >= 8))
      expect(everything.includes(value)).toBe(false);
  });
});
