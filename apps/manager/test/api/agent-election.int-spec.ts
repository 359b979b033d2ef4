import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ElectionService } from '../../src/election/election.service';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import {
  agentCall,
  createZone,
  enrollAgent,
  type EnrolledAgent,
  handshake,
  identity,
  issueApiKey,
  resources,
  sleep,
} from './agent-test-helpers';

/** Short enough to let a lease expire within a test, long enough to outlive the calls in between. */
const LEASE_TTL_MS = 1_500;

describe.each(testDatabaseKinds())('handshake, lease and election history on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  let zone: number;
  let otherZone: number;
  let apiKey: string;
  let first: EnrolledAgent;
  let second: EnrolledAgent;

  const agentRow = (agent: EnrolledAgent) =>
    t.dataSource.manager.findOneByOrFail(AgentEntity, { agentKey: agent.agentKey });
  const leaseRow = (zoneId: number) => t.dataSource.manager.findOneBy(ZoneLeaseEntity, { zoneId });
  const events = (type: string, agentId?: number) =>
    t.dataSource.manager.find(EventEntity, {
      where: { type, zoneId: zone, ...(agentId ? { agentId } : {}) },
      order: { id: 'ASC' },
    });
  const requestLease = (agent: EnrolledAgent, reason = 'primary-unreachable', lastKnownEpoch = 1) =>
    agentCall(t, 'POST', '/agent/v1/lease', { token: agent.token, body: { reason, lastKnownEpoch } });
  /** Waits until the zone's lease has expired by the database's clock (the manager's, here). */
  async function waitForExpiry(zoneId: number): Promise<void> {
    const row = await leaseRow(zoneId);
    const left = row ? row.expiresAt.getTime() - Date.now() : 0;
    await sleep(Math.max(0, left) + 50);
  }

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_AGENT_LEASE_TTL_MS: String(LEASE_TTL_MS),
      OUTPOST_AGENT_PROBE_INTERVAL_MS: '200',
      OUTPOST_AGENT_POLL_WAIT_MS: '300',
    });
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    zone = await createZone(t, operator, 'elect-a');
    otherZone = await createZone(t, operator, 'elect-b');
    apiKey = (await issueApiKey(t, operator, zone)).secret;
    first = await enrollAgent(t, zone, apiKey, 'first');
    second = await enrollAgent(t, zone, apiKey, 'second');
  });
  afterAll(() => t?.close());

  it('makes the first agent to handshake primary, with the zone’s settings and LAN secret', async () => {
    const before = Date.now();
    const answer = await handshake(t, first, 'first');
    expect(answer.status).toBe(200);
    const body = answer.body;
    expect(body).toMatchObject({ agentKey: first.agentKey, zoneId: zone, role: 'primary' });
    expect(body.lease).toMatchObject({ epoch: 1, holderAgentKey: first.agentKey });
    expect(Date.parse(body.lease.expiresAt)).toBeGreaterThanOrEqual(before + LEASE_TTL_MS - 100);
    expect(body.primary).toMatchObject({ agentKey: first.agentKey, state: 'online' });
    expect(body.members.map((member: { agentKey: string }) => member.agentKey)).toEqual([
      first.agentKey,
      second.agentKey,
    ]);
    expect(body.settings).toEqual({ ...t.config.agentSettings, leaseTtlMs: LEASE_TTL_MS });
    expect(body.lanSecret).toBe(
      createHmac('sha256', t.config.jwtSecret).update(`lan:${zone}`).digest('base64'),
    );
    expect(Math.abs(Date.parse(body.serverTime) - Date.now())).toBeLessThan(5_000);
  });

  it('stores identity, resources and state, and writes AGENT_CONNECT and PRIMARY_ELECTED', async () => {
    const row = await agentRow(first);
    expect(row).toMatchObject({
      state: 'online',
      hostname: 'first',
      cpuCores: 4,
      memoryMb: 8192,
      freeDiskMb: 50_000,
    });
    expect(row.lastSeenAt).not.toBeNull();
    const again = await handshake(t, first, 'first');
    const updated = await agentRow(first);
    expect(again.body.primary).toEqual({
      agentKey: first.agentKey,
      ip: updated.ips[0],
      port: updated.lanPort,
      state: 'online',
    });
    expect(await events('AGENT_CONNECT', row.id)).toHaveLength(1);
    const elected = await events('PRIMARY_ELECTED');
    expect(elected).toHaveLength(1);
    expect(elected[0]).toMatchObject({ agentId: row.id, schemaVersion: 1 });
    expect(elected[0].payload).toMatchObject({
      agentKey: first.agentKey,
      epoch: 1,
      previousAgentKey: null,
      reason: 'first-primary',
    });
  });

  it('makes the second agent secondary, pointing it at the primary', async () => {
    const answer = await handshake(t, second, 'second');
    expect(answer.status).toBe(200);
    expect(answer.body.role).toBe('secondary');
    expect(answer.body.lease).toMatchObject({ epoch: 1, holderAgentKey: first.agentKey });
    expect(answer.body.primary.agentKey).toBe(first.agentKey);
    expect((await agentRow(second)).state).toBe('online');
    expect(await events('PRIMARY_ELECTED')).toHaveLength(1);
  });

  it('writes AGENT_CONNECT only when the agent was not online', async () => {
    const row = await agentRow(second);
    await handshake(t, second, 'second');
    expect(await events('AGENT_CONNECT', row.id)).toHaveLength(1);
    await t.dataSource.manager.update(AgentEntity, { id: row.id }, { state: 'offline' });
    await handshake(t, second, 'second');
    expect(await events('AGENT_CONNECT', row.id)).toHaveLength(2);
  });

  it('refuses the lease while the primary’s lease is live', async () => {
    // Keep the primary's lease fresh, as its polls would.
    await t.app.get(ElectionService).renew(zone, (await agentRow(first)).id, 1);
    const answer = await requestLease(second);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      granted: false,
      lease: { epoch: 1, holderAgentKey: first.agentKey },
    });
    expect(answer.body.primary.agentKey).toBe(first.agentKey);
    expect((await leaseRow(zone))?.epoch).toBe(1);
  });

  it('grants the lease once it has expired, with the next epoch, PRIMARY_ELECTED and PRIMARY_RETIRE', async () => {
    await waitForExpiry(zone);
    const answer = await requestLease(second);
    expect(answer.body).toMatchObject({
      granted: true,
      lease: { epoch: 2, holderAgentKey: second.agentKey },
    });
    expect(answer.body.primary.agentKey).toBe(second.agentKey);
    const lease = await leaseRow(zone);
    expect(lease).toMatchObject({ epoch: 2, agentId: (await agentRow(second)).id });
    const elected = (await events('PRIMARY_ELECTED')).at(-1);
    expect(elected?.payload).toMatchObject({
      agentKey: second.agentKey,
      epoch: 2,
      previousAgentKey: first.agentKey,
      reason: 'primary-unreachable',
    });
    const retired = await events('PRIMARY_RETIRE');
    expect(retired).toHaveLength(1);
    expect(retired[0]).toMatchObject({ agentId: (await agentRow(first)).id });
    expect(retired[0].payload).toMatchObject({
      agentKey: first.agentKey,
      epoch: 2,
      successorAgentKey: second.agentKey,
    });
  });

  it('demotes the old primary: its handshake now says secondary, and its epoch is stale', async () => {
    const answer = await handshake(t, first, 'first');
    expect(answer.body.role).toBe('secondary');
    expect(answer.body.primary.agentKey).toBe(second.agentKey);
    const election = t.app.get(ElectionService);
    const firstId = (await agentRow(first)).id;
    await expect(election.renew(zone, firstId, 1)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
    await expect(election.renewIfNeeded(zone, firstId, 1)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
  });

  it('shows the election history to a viewer, newest first', async () => {
    const answer = await t.call('GET', `/api/v1/zones/${zone}/elections`, { token: viewer });
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(2);
    expect(
      answer.body.items.map((item: Record<string, unknown>) => [
        item.epoch,
        item.agentKey,
        item.previousAgentKey,
        item.reason,
      ]),
    ).toEqual([
      [2, second.agentKey, first.agentKey, 'primary-unreachable'],
      [1, first.agentKey, null, 'first-primary'],
    ]);
    expect(Date.parse(answer.body.items[0].electedAt)).toBeGreaterThanOrEqual(
      Date.parse(answer.body.items[1].electedAt),
    );
    const paged = await t.call('GET', `/api/v1/zones/${zone}/elections?page=2&pageSize=1`, { token: viewer });
    expect(paged.body.items.map((item: { epoch: number }) => item.epoch)).toEqual([1]);
  });

  it('keeps each zone’s history to itself, and answers 401, 404 and 400 like every zone route', async () => {
    const other = await t.call('GET', `/api/v1/zones/${otherZone}/elections`, { token: viewer });
    expect(other.body).toMatchObject({ total: 0, items: [] });
    expect((await t.call('GET', `/api/v1/zones/${zone}/elections`)).status).toBe(401);
    expect((await t.call('GET', '/api/v1/zones/999999/elections', { token: viewer })).body.code).toBe(
      'ZONE_NOT_FOUND',
    );
    expect((await t.call('GET', '/api/v1/zones/x/elections', { token: viewer })).status).toBe(400);
    expect(
      (await t.call('GET', `/api/v1/zones/${zone}/elections?pageSize=0`, { token: viewer })).status,
    ).toBe(400);
  });

  it('renews from its cache without touching the database while more than half the lease is left', async () => {
    const election = t.app.get(ElectionService);
    const secondId = (await agentRow(second)).id;
    const renewed = await election.renew(zone, secondId, 2);
    // Behind the manager's back, the row says the lease is over: only a database read would see it.
    await t.dataSource.manager.update(
      ZoneLeaseEntity,
      { zoneId: zone },
      { expiresAt: new Date(Date.now() - 10_000) },
    );
    const cached = await election.renewIfNeeded(zone, secondId, 2);
    expect(cached).toEqual(renewed);
    // Past half its lifetime the cache is not enough: the guarded UPDATE finds the lease over.
    await sleep(LEASE_TTL_MS / 2 + 50);
    await expect(election.renewIfNeeded(zone, secondId, 2)).rejects.toMatchObject({ code: 'STALE_EPOCH' });
  });

  it('releases a retiring primary’s lease at once, so another agent takes the zone', async () => {
    const election = t.app.get(ElectionService);
    const secondId = (await agentRow(second)).id;
    const firstId = (await agentRow(first)).id;
    const taken = await election.acquire(zone, secondId, 'lease-expired');
    expect(taken.granted).toBe(true);
    expect(await election.retire(zone, secondId)).toBe(true);
    expect(await election.retire(zone, secondId)).toBe(false);
    const next = await election.acquire(zone, firstId, 'primary-unreachable');
    expect(next).toMatchObject({ granted: true, lease: { agentId: firstId, epoch: taken.lease.epoch + 1 } });
  });

  it('refuses a retired agent’s handshake and lease request', async () => {
    const third = await enrollAgent(t, zone, apiKey, 'third');
    await t.dataSource.manager.update(AgentEntity, { agentKey: third.agentKey }, { state: 'retired' });
    expect((await handshake(t, third)).status).toBe(401);
    expect((await requestLease(third)).status).toBe(401);
  });

  it('answers 400 for a malformed handshake or lease request and changes nothing', async () => {
    const before = await agentRow(second);
    const bad = await agentCall(t, 'POST', '/agent/v1/handshake', {
      token: second.token,
      body: { identity: identity('renamed', { lanPort: 70_000 }), resources, runningRunIds: [] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('body.identity.lanPort');
    expect((await agentRow(second)).hostname).toBe(before.hostname);
    const badLease = await agentCall(t, 'POST', '/agent/v1/lease', {
      token: second.token,
      body: { reason: 'because' },
    });
    expect(badLease.status).toBe(400);
  });
});
