import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/openapi/openapi-document';
import { MANAGER_VERSION } from '../../src/version';
import { startTestApp, type TestApp } from '../testing/test-app';

// Swagger does not depend on the database: one kind is enough.
describe('Swagger and health on a running manager', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(() => t?.close());

  it('serves the OpenAPI document generated from the route table at /swagger/json, without auth', async () => {
    const response = await t.call('GET', '/swagger/json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(MANAGER_VERSION))));
  });

  it('serves the Swagger UI at /swagger', async () => {
    const response = await t.call('GET', '/swagger');
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain('swagger-ui');
  });

  it('answers liveness and readiness without auth', async () => {
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.call('GET', '/readyz')).body).toEqual({ status: 'ready', database: 'up' });
  });

  it('answers an unknown API path with a JSON 404 problem, not the console', async () => {
    const response = await t.call('GET', '/api/v1/nope');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('ROUTE_NOT_FOUND');
    expect(response.headers.get('x-request-id')).toBe(response.body.requestId);
  });
});
