import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

describe.each(testDatabaseKinds())('zones API on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
  });
  afterAll(() => t?.close());

  it('creates a zone with 201 and lists it', async () => {
    const created = await t.call('POST', '/api/v1/zones', {
      token: operator,
      body: { name: 'dc-1', platform: 'linux' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'dc-1', platform: 'linux', labels: {} });
    const listed = await t.call('GET', '/inner/groups', { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((z: { name: string }) => z.name)).toContain('dc-1');
  });

  it("accepts Klevr's groupName on /inner/groups", async () => {
    const created = await t.call('POST', '/inner/groups', {
      token: operator,
      body: { groupName: 'office', platform: 'baremetal' },
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('office');
  });

  it('answers 409 for a duplicate name and stores nothing new', async () => {
    await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'dup' } });
    const again = await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'dup' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ZONE_NAME_TAKEN');
    const listed = await t.call('GET', '/api/v1/zones?name=dup', { token: viewer });
    expect(listed.body.total).toBe(1);
  });

  it('refuses a name that differs only in case, on every database', async () => {
    await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'Case-Zone' } });
    const again = await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'case-zone' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ZONE_NAME_TAKEN');
  });

  it('answers 404 for an unknown zone and 400 for a malformed id', async () => {
    expect((await t.call('GET', '/api/v1/zones/999999', { token: viewer })).body.code).toBe('ZONE_NOT_FOUND');
    const bad = await t.call('GET', '/api/v1/zones/abc', { token: viewer });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('params.zoneId');
  });

  it('refuses a viewer with 403 and an anonymous caller with 401', async () => {
    const byViewer = await t.call('POST', '/api/v1/zones', { token: viewer, body: { name: 'nope' } });
    expect(byViewer.status).toBe(403);
    expect((await t.call('GET', '/api/v1/zones')).status).toBe(401);
    const listed = await t.call('GET', '/api/v1/zones?name=nope', { token: viewer });
    expect(listed.body.total).toBe(0);
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const response = await t.call('POST', '/api/v1/zones', {
      token: operator,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('MALFORMED_JSON');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js/);
  });

  it('answers an oversize body with 413', async () => {
    const response = await t.call('POST', '/api/v1/zones', {
      token: operator,
      body: { name: 'x'.repeat(2_000_000) },
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('renames a zone and deletes it with what belongs to it', async () => {
    const zone = (await t.call('POST', '/api/v1/zones', { token: operator, body: { name: 'temp' } })).body;
    const renamed = await t.call('PATCH', `/api/v1/zones/${zone.id}`, {
      token: operator,
      body: { name: 'temp-2' },
    });
    expect(renamed.body.name).toBe('temp-2');
    await t.call('POST', `/api/v1/zones/${zone.id}/api-keys`, { token: operator, body: {} });
    const detail = await t.call('GET', `/api/v1/zones/${zone.id}`, { token: viewer });
    expect(detail.body.contents.apiKeys).toBe(1);
    const deleted = await t.call('DELETE', `/inner/groups/${zone.id}`, { token: operator });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, removed: expect.objectContaining({ apiKeys: 1 }) });
    expect((await t.call('GET', `/api/v1/zones/${zone.id}`, { token: viewer })).status).toBe(404);
  });
});
