import type { AgentState } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

interface AgentBody {
  id: number;
  zoneId: number;
  hostname: string;
  role: 'primary' | 'secondary';
  state: AgentState;
}

const hostnames = (body: { items: AgentBody[] }): string[] => body.items.map((agent) => agent.hostname);

describe.each(testDatabaseKinds())('agents API on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  /** Zone A: a live lease held by `charlie`. */
  let zoneA: number;
  /** Zone B: a lease held by `bravo-b` that has expired. */
  let zoneB: number;
  /** Zone C: agents, no lease row. */
  let zoneC: number;
  /** Zone D: no agents; a live lease row pointing at an agent of zone A. */
  let zoneD: number;
  /** Zone E: a lease row with no agent. */
  let zoneE: number;
  const agents: Record<string, AgentEntity> = {};
  let counter = 0;
  const now = Date.now();
  const liveUntil = new Date(now + 3_600_000);
  const expiredAt = new Date(now - 60_000);

  async function zone(name: string): Promise<number> {
    const created = await t.call('POST', '/api/v1/zones', { token: operator, body: { name } });
    expect(created.status).toBe(201);
    return created.body.id;
  }

  async function insertAgent(
    zoneId: number,
    hostname: string,
    overrides: Partial<AgentEntity> = {},
  ): Promise<AgentEntity> {
    counter += 1;
    const at = new Date(now);
    const manager = t.dataSource.manager;
    const agent = await manager.save(
      AgentEntity,
      manager.create(AgentEntity, {
        zoneId,
        agentKey: `key-${hostname}-${counter}`,
        credentialHash: counter.toString(16).padStart(64, '0'),
        hostname,
        ips: [`10.0.${zoneId}.${counter}`, `fd00::${counter}`],
        lanPort: 18800 + counter,
        version: '1.2.3',
        platform: 'linux',
        labels: { rack: `r${counter}` },
        cpuCores: 4,
        memoryMb: 8192,
        diskMb: 100_000,
        freeMemoryMb: 2048,
        freeDiskMb: null,
        runningTasks: 0,
        state: 'online',
        lastSeenAt: at,
        joinedAt: at,
        retiredAt: null,
        createdAt: at,
        updatedAt: at,
        ...overrides,
      }),
    );
    agents[hostname] = agent;
    return agent;
  }

  async function insertLease(
    zoneId: number,
    agentId: number | null,
    expiresAt: Date,
    epoch: number,
  ): Promise<void> {
    const manager = t.dataSource.manager;
    await manager.save(
      ZoneLeaseEntity,
      manager.create(ZoneLeaseEntity, {
        zoneId,
        agentId,
        epoch,
        expiresAt,
        acquiredAt: new Date(now - 600_000),
        renewedAt: null,
      }),
    );
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    zoneA = await zone('agents-a');
    zoneB = await zone('agents-b');
    zoneC = await zone('agents-c');
    zoneD = await zone('agents-d');
    zoneE = await zone('agents-e');
    // Inserted out of order so the ordering comes from the query, not from insertion.
    await insertAgent(zoneA, 'bravo', { state: 'suspect' });
    await insertAgent(zoneA, 'charlie');
    await insertAgent(zoneA, 'alpha', { state: 'offline', ips: [], lastSeenAt: null });
    await insertAgent(zoneB, 'bravo-b');
    await insertAgent(zoneB, 'alpha-b', { state: 'offline' });
    await insertAgent(zoneC, 'solo-c', { state: 'new' });
    await insertLease(zoneA, agents['charlie']!.id, liveUntil, 5);
    await insertLease(zoneB, agents['bravo-b']!.id, expiredAt, 9);
    await insertLease(zoneD, agents['alpha']!.id, liveUntil, 2);
    await insertLease(zoneE, null, liveUntil, 3);
  });
  afterAll(() => t?.close());

  it("lists a zone's agents: primary first, then by hostname, with the contract's fields", async () => {
    const listed = await t.call('GET', `/api/v1/zones/${zoneA}/agents`, { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 3, page: 1, pageSize: 50 });
    expect(hostnames(listed.body)).toEqual(['charlie', 'alpha', 'bravo']);
    expect(listed.body.items.map((a: AgentBody) => a.role)).toEqual(['primary', 'secondary', 'secondary']);
    const charlie = agents['charlie']!;
    expect(listed.body.items[0]).toEqual({
      id: charlie.id,
      agentKey: charlie.agentKey,
      zoneId: zoneA,
      hostname: 'charlie',
      ip: charlie.ips[0],
      ips: charlie.ips,
      port: charlie.lanPort,
      version: '1.2.3',
      platform: 'linux',
      labels: charlie.labels,
      resources: { cpuCores: 4, memoryMb: 8192, diskMb: 100_000, freeMemoryMb: 2048, freeDiskMb: null },
      state: 'online',
      role: 'primary',
      runningTasks: 0,
      lastSeenAt: new Date(now).toISOString(),
      joinedAt: new Date(now).toISOString(),
    });
    expect(listed.body.items[1]).toMatchObject({
      hostname: 'alpha',
      ip: '',
      ips: [],
      lastSeenAt: null,
      state: 'offline',
    });
    expect(JSON.stringify(listed.body)).not.toContain(charlie.credentialHash);
  });

  it('serves the same list on the Klevr alias', async () => {
    const api = await t.call('GET', `/api/v1/zones/${zoneA}/agents`, { token: viewer });
    const alias = await t.call('GET', `/inner/groups/${zoneA}/agents`, { token: viewer });
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(api.body);
  });

  it("never shows another zone's agents in a zone's list", async () => {
    for (const [zoneId, expected] of [
      [zoneA, ['charlie', 'alpha', 'bravo']],
      [zoneB, ['alpha-b', 'bravo-b']],
      [zoneC, ['solo-c']],
      [zoneD, []],
    ] as const) {
      const listed = await t.call('GET', `/api/v1/zones/${zoneId}/agents`, { token: viewer });
      expect(listed.body.items.every((a: AgentBody) => a.zoneId === zoneId)).toBe(true);
      expect(hostnames(listed.body)).toEqual(expected);
      expect(listed.body.total).toBe(expected.length);
    }
  });

  it('makes nobody primary when the lease has expired', async () => {
    const listed = await t.call('GET', `/api/v1/zones/${zoneB}/agents`, { token: viewer });
    expect(listed.body.items.map((a: AgentBody) => a.role)).toEqual(['secondary', 'secondary']);
    // Without a live lease the order is by hostname alone.
    expect(hostnames(listed.body)).toEqual(['alpha-b', 'bravo-b']);
  });

  it("does not make an agent primary through another zone's lease row", async () => {
    const listed = await t.call('GET', `/api/v1/agents?zoneId=${zoneA}`, { token: viewer });
    const alpha = listed.body.items.find((a: AgentBody) => a.hostname === 'alpha');
    expect(alpha.role).toBe('secondary');
    const primary = await t.call('GET', `/api/v1/zones/${zoneD}/primary`, { token: viewer });
    expect(primary.body).toEqual({
      zoneId: zoneD,
      agent: null,
      epoch: 2,
      leaseExpiresAt: liveUntil.toISOString(),
    });
  });

  it("filters a zone's list by state", async () => {
    const offline = await t.call('GET', `/api/v1/zones/${zoneA}/agents?state=offline`, { token: viewer });
    expect(hostnames(offline.body)).toEqual(['alpha']);
    expect(offline.body.total).toBe(1);
    const online = await t.call('GET', `/api/v1/zones/${zoneA}/agents?state=online`, { token: viewer });
    expect(online.body.items).toMatchObject([{ hostname: 'charlie', role: 'primary' }]);
    const none = await t.call('GET', `/api/v1/zones/${zoneA}/agents?state=retired`, { token: viewer });
    expect(none.body).toMatchObject({ items: [], total: 0 });
  });

  it('lists agents of every zone ordered by zone, primary first, then hostname', async () => {
    const listed = await t.call('GET', '/api/v1/agents', { token: viewer });
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(6);
    expect(hostnames(listed.body)).toEqual(['charlie', 'alpha', 'bravo', 'alpha-b', 'bravo-b', 'solo-c']);
    expect(listed.body.items.map((a: AgentBody) => a.zoneId)).toEqual([
      zoneA,
      zoneA,
      zoneA,
      zoneB,
      zoneB,
      zoneC,
    ]);
    expect(
      listed.body.items.filter((a: AgentBody) => a.role === 'primary').map((a: AgentBody) => a.hostname),
    ).toEqual(['charlie']);
    const alias = await t.call('GET', '/inner/users/agents', { token: viewer });
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(listed.body);
  });

  it('filters the list of every zone by zone and by state', async () => {
    const ofB = await t.call('GET', `/api/v1/agents?zoneId=${zoneB}`, { token: viewer });
    expect(hostnames(ofB.body)).toEqual(['alpha-b', 'bravo-b']);
    const offline = await t.call('GET', '/api/v1/agents?state=offline', { token: viewer });
    expect(hostnames(offline.body)).toEqual(['alpha', 'alpha-b']);
    const both = await t.call('GET', `/api/v1/agents?state=offline&zoneId=${zoneB}`, { token: viewer });
    expect(both.body).toMatchObject({ total: 1, items: [{ hostname: 'alpha-b' }] });
    const unknownZone = await t.call('GET', '/api/v1/agents?zoneId=999999', { token: viewer });
    expect(unknownZone.status).toBe(200);
    expect(unknownZone.body).toMatchObject({ items: [], total: 0 });
  });

  it('pages across zones, keeping roles and totals right on every page', async () => {
    const pages = await Promise.all(
      [1, 2, 3, 4].map((page) => t.call('GET', `/api/v1/agents?pageSize=2&page=${page}`, { token: viewer })),
    );
    expect(pages.map((page) => hostnames(page.body))).toEqual([
      ['charlie', 'alpha'],
      ['bravo', 'alpha-b'],
      ['bravo-b', 'solo-c'],
      [],
    ]);
    expect(pages.every((page) => page.body.total === 6 && page.body.pageSize === 2)).toBe(true);
    expect(pages[0]!.body.items[0].role).toBe('primary');
    expect(
      pages.slice(1).every((page) => page.body.items.every((a: AgentBody) => a.role === 'secondary')),
    ).toBe(true);
    const zonePage = await t.call('GET', `/api/v1/zones/${zoneA}/agents?pageSize=1&page=2`, {
      token: viewer,
    });
    expect(zonePage.body).toMatchObject({
      total: 3,
      page: 2,
      items: [{ hostname: 'alpha', role: 'secondary' }],
    });
  });

  it("answers the zone's primary with its lease", async () => {
    const primary = await t.call('GET', `/api/v1/zones/${zoneA}/primary`, { token: viewer });
    expect(primary.status).toBe(200);
    expect(primary.body).toMatchObject({ zoneId: zoneA, epoch: 5, leaseExpiresAt: liveUntil.toISOString() });
    expect(primary.body.agent).toMatchObject({
      id: agents['charlie']!.id,
      hostname: 'charlie',
      role: 'primary',
      zoneId: zoneA,
    });
    const alias = await t.call('GET', `/inner/groups/${zoneA}/primary`, { token: viewer });
    expect(alias.body).toEqual(primary.body);
  });

  it('answers no primary for an expired lease, a lease without agent, or no lease at all', async () => {
    const expired = await t.call('GET', `/api/v1/zones/${zoneB}/primary`, { token: viewer });
    expect(expired.body).toEqual({
      zoneId: zoneB,
      agent: null,
      epoch: 9,
      leaseExpiresAt: expiredAt.toISOString(),
    });
    const noAgent = await t.call('GET', `/api/v1/zones/${zoneE}/primary`, { token: viewer });
    expect(noAgent.body).toEqual({
      zoneId: zoneE,
      agent: null,
      epoch: 3,
      leaseExpiresAt: liveUntil.toISOString(),
    });
    const noRow = await t.call('GET', `/api/v1/zones/${zoneC}/primary`, { token: viewer });
    expect(noRow.body).toEqual({ zoneId: zoneC, agent: null, epoch: 0, leaseExpiresAt: null });
  });

  it('answers 404 ZONE_NOT_FOUND for an unknown zone', async () => {
    for (const path of [
      '/api/v1/zones/999999/agents',
      '/inner/groups/999999/agents',
      '/api/v1/zones/999999/primary',
      '/inner/groups/999999/primary',
    ]) {
      const response = await t.call('GET', path, { token: viewer });
      expect(response.status, path).toBe(404);
      expect(response.body.code).toBe('ZONE_NOT_FOUND');
    }
  });

  it('answers 400 with the failing path for malformed ids, states and paging', async () => {
    for (const [path, failing] of [
      ['/api/v1/zones/abc/agents', 'params.zoneId'],
      ['/api/v1/zones/0/primary', 'params.zoneId'],
      [`/api/v1/zones/${zoneA}/agents?state=asleep`, 'query.state'],
      [`/api/v1/zones/${zoneA}/agents?pageSize=0`, 'query.pageSize'],
      ['/api/v1/agents?zoneId=abc', 'query.zoneId'],
      ['/api/v1/agents?state=asleep', 'query.state'],
      ['/api/v1/agents?page=0', 'query.page'],
      ['/api/v1/agents?pageSize=501', 'query.pageSize'],
    ] as const) {
      const response = await t.call('GET', path, { token: viewer });
      expect(response.status, path).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.details.map((d: { path: string }) => d.path)).toContain(failing);
    }
  });

  it('answers 401 without a token or with a forged one, and lets every role read', async () => {
    const paths = [
      `/api/v1/zones/${zoneA}/agents`,
      `/inner/groups/${zoneA}/agents`,
      '/api/v1/agents',
      '/inner/users/agents',
      `/api/v1/zones/${zoneA}/primary`,
      `/inner/groups/${zoneA}/primary`,
    ];
    for (const path of paths) {
      expect((await t.call('GET', path)).status, path).toBe(401);
      expect((await t.call('GET', path, { token: `${viewer}x` })).status, path).toBe(401);
      // Viewer is the lowest role, so no signed-in caller is refused with 403 here.
      expect((await t.call('GET', path, { token: viewer })).status, path).toBe(200);
      expect((await t.call('GET', path, { token: operator })).status, path).toBe(200);
    }
  });
  it('retires an agent: it leaves the zone lease at once and the change is refused to a viewer', async () => {
    const zoneR = await zone('agents-retire');
    const holder = await insertAgent(zoneR, 'leaving');
    await insertLease(zoneR, holder.id, new Date(Date.now() + 600_000), 3);
    const byViewer = await t.call('POST', `/api/v1/zones/${zoneR}/agents/${holder.agentKey}/retire`, {
      token: viewer,
    });
    expect(byViewer.status).toBe(403);
    const retired = await t.call('POST', `/api/v1/zones/${zoneR}/agents/${holder.agentKey}/retire`, {
      token: operator,
    });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ agentKey: holder.agentKey, state: 'retired', role: 'secondary' });
    const primary = await t.call('GET', `/api/v1/zones/${zoneR}/primary`, { token: viewer });
    expect(primary.body.agent).toBeNull();
    const again = await t.call('POST', `/api/v1/zones/${zoneR}/agents/${holder.agentKey}/retire`, {
      token: operator,
    });
    expect(again.body.state).toBe('retired');
    const unknown = await t.call('POST', `/api/v1/zones/${zoneR}/agents/nope/retire`, { token: operator });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('AGENT_NOT_FOUND');
    // Another zone's path cannot reach it.
    const foreign = await t.call('POST', `/api/v1/zones/${zoneA}/agents/${holder.agentKey}/retire`, {
      token: operator,
    });
    expect(foreign.status).toBe(404);
  });
});
