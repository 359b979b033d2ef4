import {
  type Access,
  AGENT_PROTOCOL_VERSION,
  allApiRoutes,
  type HttpMethod,
  PROTOCOL_HEADER,
  type RouteDefinition,
} from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAgentSession } from '../../src/common/auth/agent-tokens';
import { signSession } from '../../src/common/auth/session-tokens';
import { UserEntity } from '../../src/users/user.entity';
import { DeliveryService } from '../../src/work/delivery.service';
import { ReportService } from '../../src/work/report.service';
import { workLaneRoutes } from '../../src/work/work.lane';
import { startTestApp, type TestApp } from '../testing/test-app';

/**
 * Walks every route of the shared route table, every path including Klevr aliases, and proves the
 * access level each one declares is what the running manager enforces; then walks the Express
 * router to prove no handler is registered outside that table.
 *
 * SQLite only: authentication and routing are decided before any query that differs between
 * database kinds, so repeating the same few hundred calls on MariaDB would only cost time.
 */

interface Target {
  definition: RouteDefinition;
  method: HttpMethod;
  path: string;
  url: string;
}

/** Routes outside the table on purpose: the Swagger UI and the OpenAPI document, public and read-only. */
const DOCUMENTATION_PREFIX = '/swagger';
const USER_LEVELS: Access[] = ['viewer', 'operator', 'admin'];

const targets: Target[] = allApiRoutes().flatMap((definition) =>
  [definition.path, ...(definition.aliases ?? [])].map((path) => ({
    definition,
    method: definition.method,
    path,
    url: path.replace(/:[A-Za-z0-9_]+/g, '1'),
  })),
);
const label = (target: Target) => `${target.method} ${target.path}`;
/** Every call speaks the current agent protocol, so agent routes are judged on credentials, not version. */
const protocol = { [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION) };
const cases = (levels: Access[], filter: (target: Target) => boolean = () => true) =>
  targets
    .filter((target) => levels.includes(target.definition.access) && filter(target))
    .map((target) => [label(target), target] as const);

describe('authentication of every route (sqlite)', () => {
  let t: TestApp;
  const tokens = {
    viewer: '',
    operator: '',
    admin: '',
    expired: '',
    foreignSigned: '',
    viewerApiToken: '',
    agent: '',
  };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    tokens.viewer = await t.tokenFor('viewer');
    tokens.operator = await t.tokenFor('operator');
    tokens.admin = await t.tokenFor('admin');
    const admin = await t.dataSource.manager.findOneByOrFail(UserEntity, { role: 'admin' });
    const hourAgo = new Date(Date.now() - 3_600_000);
    tokens.expired = signSession(admin, {
      secret: t.config.jwtSecret,
      ttlSeconds: 60,
      now: hourAgo,
    }).accessToken;
    tokens.foreignSigned = signSession(admin, {
      secret: 'x'.repeat(48),
      ttlSeconds: 3600,
      now: new Date(),
    }).accessToken;
    const issued = await t.call('POST', '/api/v1/auth/tokens', {
      token: tokens.viewer,
      body: { name: 'walker' },
    });
    tokens.viewerApiToken = issued.body.secret;
    tokens.agent = signAgentSession(
      { agentId: 1, zoneId: 1, agentKey: 'walker-agent' },
      { jwtSecret: t.config.jwtSecret, ttlMs: 60_000, now: new Date() },
    ).token;
  });
  afterAll(() => t?.close());

  it('has routes of every access level to walk', () => {
    for (const level of ['public', 'agent', ...USER_LEVELS] as Access[])
      expect(cases([level]).length).toBeGreaterThan(0);
  });

  it.each(cases(['public']))('%s answers without credentials', async (_, target) => {
    const answer = await t.call(target.method, target.url, { headers: protocol });
    expect([401, 403]).not.toContain(answer.status);
    expect(answer.body?.code).not.toBe('ROUTE_NOT_FOUND');
  });

  it.each(cases(['agent', ...USER_LEVELS]))(
    '%s refuses a missing, garbage, expired, foreign or unknown credential with 401',
    async (_, target) => {
      const credentials = [
        undefined,
        'garbage',
        tokens.expired,
        tokens.foreignSigned,
        `opt_${'Z'.repeat(43)}`,
      ];
      for (const token of credentials) {
        const answer = await t.call(target.method, target.url, { token, headers: protocol });
        expect({ token, status: answer.status, code: answer.body?.code }).toEqual({
          token,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    },
  );

  it.each(cases(['agent']))(
    '%s refuses every user credential with 401 and lets an agent through',
    async (_, target) => {
      for (const token of [tokens.viewer, tokens.admin, tokens.viewerApiToken]) {
        const answer = await t.call(target.method, target.url, { token, headers: protocol });
        expect({ status: answer.status, code: answer.body?.code }).toEqual({
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
      // No body is sent: the call stops at validation or finds nothing, and changes nothing.
      const asAgent = await t.call(target.method, target.url, { token: tokens.agent, headers: protocol });
      expect([401, 403]).not.toContain(asAgent.status);
      expect(asAgent.body?.code).not.toBe('ROUTE_NOT_FOUND');
    },
  );

  it.each(cases(USER_LEVELS))('%s refuses an agent session token with 401', async (_, target) => {
    const answer = await t.call(target.method, target.url, { token: tokens.agent, headers: protocol });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('UNAUTHENTICATED');
  });

  it.each(cases(['operator', 'admin']))('%s refuses a viewer with 403', async (_, target) => {
    const answer = await t.call(target.method, target.url, { token: tokens.viewer, headers: protocol });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('FORBIDDEN');
  });

  it.each(cases(['admin']))('%s refuses an operator with 403', async (_, target) => {
    const answer = await t.call(target.method, target.url, { token: tokens.operator, headers: protocol });
    expect(answer.status).toBe(403);
    expect(answer.body.code).toBe('FORBIDDEN');
  });

  // Reads only: a change with made-up ids could alter what other cases rely on.
  it.each(cases(USER_LEVELS, (target) => target.method === 'GET'))(
    '%s lets the role it declares through',
    async (_, target) => {
      const token = tokens[target.definition.access as 'viewer' | 'operator' | 'admin'];
      const answer = await t.call(target.method, target.url, { token, headers: protocol });
      expect([401, 403]).not.toContain(answer.status);
      expect(answer.body?.code).not.toBe('ROUTE_NOT_FOUND');
    },
  );

  it('registers no HTTP handler outside the route table, and every route of the table', () => {
    const express = t.app.getHttpAdapter().getInstance() as {
      router: { stack: { route?: { path: unknown; methods: Record<string, boolean> } }[] };
    };
    const table = new Set(targets.map(label));
    const registered = new Set<string>();
    const outside: string[] = [];
    for (const layer of express.router.stack) {
      if (!layer.route) continue; // middleware (request id, body parser, console), not a route
      const path = layer.route.path;
      expect(typeof path).toBe('string');
      for (const method of Object.keys(layer.route.methods).map((name) => name.toUpperCase())) {
        const key = `${method} ${String(path)}`;
        registered.add(key);
        const isDocumentation = String(path).startsWith(DOCUMENTATION_PREFIX) && method === 'GET';
        if (!table.has(key) && !isDocumentation) outside.push(key);
      }
    }
    // The agent lane serves the agent protocol's hot routes ahead of Express (ARCHITECTURE §10), so
    // they have no Express handler: they count as served by the lane, and must not have both. The
    // cases above call every route over HTTP, so they prove the lane answers them too.
    const byLane = workLaneRoutes(t.app.get(DeliveryService), t.app.get(ReportService)).flatMap(
      ({ definition }) =>
        [definition.path, ...(definition.aliases ?? [])].map((path) => `${definition.method} ${path}`),
    );
    expect(byLane.filter((key) => registered.has(key))).toEqual([]);
    const served = new Set([...registered, ...byLane]);
    expect(outside).toEqual([]);
    expect([...table].filter((key) => !served.has(key))).toEqual([]);
  });
});
