import { allApiRoutes } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi-document';

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument('test');
  const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods)) as Record<
    string,
    unknown
  >[];

  it('documents every route and alias of the route table', () => {
    for (const route of allApiRoutes()) {
      for (const path of [route.path, ...(route.aliases ?? [])]) {
        const openApiPath = path.replace(/:([A-Za-z]+)/g, '{$1}');
        expect(
          document.paths[openApiPath]?.[route.method.toLowerCase()],
          `${route.method} ${path}`,
        ).toBeDefined();
      }
    }
  });

  it('gives every operation a unique id', () => {
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('marks only public routes as needing no authentication', () => {
    const login = document.paths['/api/v1/auth/login'].post as { security: unknown[] };
    const zones = document.paths['/api/v1/zones'].get as { security: unknown[] };
    expect(login.security).toEqual([]);
    expect(zones.security).toEqual([{ bearer: [] }]);
  });

  it('resolves every $ref to a component', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = ref.replace(/^"\$ref":"#\/components\/schemas\//, '').replace(/"$/, '');
      expect(document.components.schemas[name], ref).toBeDefined();
    }
  });
});
