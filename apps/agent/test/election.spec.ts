import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LanClient } from '../src/lan/lan-client';
import { lanKeyFromSecret } from '../src/lan/lan-signature';
import { assignmentFor, FakeManager } from './support/fake-manager';
import { AgentHarness, delay, FakeLanPeer, waitFor } from './support/harness';

describe('election and roles (against a fake manager)', () => {
  let manager: FakeManager;
  let agents: AgentHarness;
  const peers: FakeLanPeer[] = [];

  beforeEach(async () => {
    manager = new FakeManager();
    await manager.start();
    agents = new AgentHarness(manager);
  });
  afterEach(async () => {
    await agents.cleanup();
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
    await manager.close();
    expect(manager.violations).toEqual([]);
  });

  async function livePrimary(agentKey: string): Promise<FakeLanPeer> {
    const peer = new FakeLanPeer(agentKey);
    await peer.start();
    peers.push(peer);
    manager.registerAgent(agentKey, 'unused-credential', '127.0.0.1', peer.port);
    manager.lease = { holder: agentKey, epoch: 5, expiresAt: Date.now() + 60_000 };
    return peer;
  }

  it('joins once, becomes primary of an empty zone and long-polls with its epoch', async () => {
    const a = await agents.start();
    await waitFor(() => manager.callsOf('agentPoll').length >= 2, 'polls');
    expect(a.handle.status()).toMatchObject({ role: 'primary', epoch: 1 });
    expect(manager.callsOf('agentJoin')).toHaveLength(1);
    for (const call of manager.callsOf('agentPoll')) expect(call.body).toMatchObject({ epoch: 1 });
  });

  it('never joins again once the state dir holds an identity, even without an API key', async () => {
    const first = await agents.start();
    const { agentKey } = first.handle;
    await first.handle.stop();
    const second = await agents.start({
      stateDir: first.stateDir,
      apiKey: null,
      managerUrl: null,
      zoneId: null,
    });
    expect(second.handle.agentKey).toBe(agentKey);
    await waitFor(() => second.handle.status().role === 'primary', 'primary again');
    expect(manager.callsOf('agentJoin')).toHaveLength(1);
  });

  it('demotes at once on 409 STALE_EPOCH: no poll is sent before the next handshake', async () => {
    const a = await agents.start();
    await waitFor(() => manager.callsOf('agentPoll', a.handle.agentKey).length >= 1, 'first poll');
    // Another agent took the zone (its lease is live, so the handshake makes A a secondary).
    await livePrimary('agent-other');
    await waitFor(() => manager.callsOf('agentPoll').some((c) => c.status === 409), 'a stale-epoch poll');
    await waitFor(() => a.handle.status().role === 'secondary', 'secondary role');
    const calls = manager.calls.filter((c) => c.agentKey === a.handle.agentKey && c.route !== 'agentSession');
    const stale = calls.findIndex((c) => c.route === 'agentPoll' && c.status === 409);
    expect(calls[stale + 1]?.route).toBe('agentHandshake');
    await delay(400);
    expect(manager.callsOf('agentPoll').filter((c) => c.at > calls[stale]!.at)).toEqual([]);
    expect(a.handle.status().primaryAgentKey).toBe('agent-other');
  });

  it('steps down when a report reply names another lease holder, without waiting for its poll', async () => {
    manager.settings = { ...manager.settings, pollWaitMs: 5_000 };
    const a = await agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    manager.assign(assignmentFor(a.handle.agentKey, 70));
    await waitFor(() => a.runner.started.length === 1, 'run started');
    await waitFor(() => (manager.arrivals.get('agentPoll') ?? 0) >= 2, 'a held poll');
    await livePrimary('agent-other');
    const before = manager.callsOf('agentHandshake', a.handle.agentKey).length;
    const at = Date.now();
    a.runner.log(70, 'progress');
    await waitFor(
      () => manager.callsOf('agentHandshake', a.handle.agentKey).length > before,
      'a new handshake',
    );
    expect(Date.now() - at).toBeLessThan(2_000);
    await waitFor(() => a.handle.status().role === 'secondary', 'secondary');
  });

  it('follows a live primary and asks for the lease only after probeFailuresBeforeElection missed probes', async () => {
    const primary = await livePrimary('agent-p');
    const b = await agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'secondary');
    await waitFor(() => primary.answered >= 5, 'probes of the primary');
    expect(manager.callsOf('agentRequestLease')).toEqual([]);

    primary.alive = false;
    await waitFor(() => manager.callsOf('agentRequestLease').length >= 1, 'a lease request');
    const refusedAtFirstRequest = primary.refused;
    expect(refusedAtFirstRequest).toBeGreaterThanOrEqual(manager.settings.probeFailuresBeforeElection);
    expect(manager.callsOf('agentRequestLease')[0]?.body).toEqual({
      reason: 'primary-unreachable',
      lastKnownEpoch: 5,
    });
    // The old lease is still live: refused; the agent keeps asking every probe interval.
    await waitFor(() => manager.callsOf('agentRequestLease').length >= 3, 'repeated lease requests');
    expect(b.handle.status().role).toBe('secondary');

    manager.lease.expiresAt = Date.now() - 1;
    await waitFor(() => b.handle.status().role === 'primary', 'promotion');
    expect(b.handle.status().epoch).toBe(6);
    await waitFor(
      () => manager.callsOf('agentPoll', b.handle.agentKey).length >= 1,
      'poll as the new primary',
    );
    expect(manager.callsOf('agentPoll', b.handle.agentKey)[0]?.body).toMatchObject({ epoch: 6 });
  });

  it('follows the new primary the manager names instead of asking again', async () => {
    const old = await livePrimary('agent-old');
    const b = await agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'secondary');
    const fresh = new FakeLanPeer('agent-new');
    await fresh.start();
    peers.push(fresh);
    manager.registerAgent('agent-new', 'x', '127.0.0.1', fresh.port);
    manager.lease = { holder: 'agent-new', epoch: 6, expiresAt: Date.now() + 60_000 };
    old.alive = false;
    await waitFor(() => b.handle.status().primaryAgentKey === 'agent-new', 'following agent-new');
    const requests = manager.callsOf('agentRequestLease').length;
    await waitFor(() => fresh.answered >= 3, 'probing the new primary');
    expect(manager.callsOf('agentRequestLease').length).toBe(requests);
    expect(b.handle.status().role).toBe('secondary');
  });

  it('hands a secondary its run over the LAN; the secondary fetches it with credentials and runs it', async () => {
    const a = await agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'A primary');
    const b = await agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'B secondary');
    manager.assign(assignmentFor(b.handle.agentKey, 100));
    await waitFor(() => b.runner.started.length === 1, 'B runs it');
    expect(b.runner.started[0]?.credentials).toEqual({ DB_PASSWORD: 'secret-value-1234' });
    expect(a.runner.started).toEqual([]);
    expect(manager.callsOf('agentAcceptRun', b.handle.agentKey).map((c) => c.status)).toEqual([200]);
    // B reports its own run.
    await waitFor(
      () => manager.accepted.some((i) => i.runId === 100 && i.kind === 'status'),
      'B reports the run',
    );
    expect(manager.callsOf('agentReport', b.handle.agentKey).length).toBeGreaterThan(0);

    // A cancel for B's run rides on A's poll and is forwarded over the LAN.
    manager.cancelViaPoll(100, b.handle.agentKey);
    await waitFor(() => b.runner.canceled.includes(100), 'B cancels it');
    await waitFor(
      () => manager.accepted.some((i) => i.runId === 100 && i.kind === 'status' && i.status === 'stopped'),
      'stopped reported',
    );
  });

  it("reports its members' health from LAN probes in the poll", async () => {
    const a = await agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'A primary');
    const b = await agents.start();
    const bKey = b.handle.agentKey;
    const healthOf = (body: unknown) =>
      (body as { members: { agentKey: string; reachable: boolean }[] }).members.find(
        (m) => m.agentKey === bKey,
      );
    await waitFor(
      () => manager.callsOf('agentPoll', a.handle.agentKey).some((c) => healthOf(c.body)?.reachable === true),
      'B reachable',
    );
    await b.handle.stop();
    await waitFor(
      () => healthOf(manager.callsOf('agentPoll', a.handle.agentKey).at(-1)?.body)?.reachable === false,
      'B unreachable',
      15_000,
    );
  });

  it('refuses a LAN dispatch from an older epoch and a run it already holds', async () => {
    const a = await agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'A primary');
    const b = await agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'B secondary');
    const lan = new LanClient({ agentKey: () => 'agent-x', key: () => lanKeyFromSecret(manager.lanSecret) });
    const peer = { ip: '127.0.0.1', port: b.handle.lanPort };
    expect(await lan.dispatch(peer, { runId: 5, taskId: 1, epoch: 0 }, 2_000)).toMatchObject({
      accepted: false,
      reason: expect.stringMatching(/stale epoch/),
    });
    manager.runs.set(6, assignmentFor(b.handle.agentKey, 6));
    expect(await lan.dispatch(peer, { runId: 6, taskId: 60, epoch: 1 }, 2_000)).toEqual({ accepted: true });
    expect(await lan.dispatch(peer, { runId: 6, taskId: 60, epoch: 1 }, 2_000)).toMatchObject({
      accepted: false,
    });
    expect(b.runner.started.map((s) => s.runId)).toEqual([6]);
    // A run assigned to someone else is not started even when dispatched.
    manager.runs.set(7, assignmentFor(a.handle.agentKey, 7));
    expect(await lan.dispatch(peer, { runId: 7, taskId: 70, epoch: 1 }, 2_000)).toMatchObject({
      accepted: false,
    });
    expect(b.runner.started.map((s) => s.runId)).toEqual([6]);
  });

  it('handshakes again when a dispatch comes from a newer epoch than it knows', async () => {
    await livePrimary('agent-p');
    const b = await agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'secondary');
    const handshakes = manager.callsOf('agentHandshake', b.handle.agentKey).length;
    const lan = new LanClient({ agentKey: () => 'agent-z', key: () => lanKeyFromSecret(manager.lanSecret) });
    await lan.dispatch(
      { ip: '127.0.0.1', port: b.handle.lanPort },
      { runId: 500, taskId: 1, epoch: 9 },
      2_000,
    );
    await waitFor(
      () => manager.callsOf('agentHandshake', b.handle.agentKey).length > handshakes,
      'a new handshake',
    );
    expect(b.handle.status().epoch).toBeGreaterThanOrEqual(5);
  });

  it('leaves the election as soon as it starts stopping, while its runs finish', async () => {
    const a = await agents.start({ shutdownGraceMs: 5_000 });
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    manager.assign(assignmentFor(a.handle.agentKey, 90));
    await waitFor(() => a.runner.started.length === 1, 'run started');
    const stopping = a.handle.stop();
    await waitFor(() => a.handle.status().role === 'stopped', 'role stopped');
    const polls = manager.arrivals.get('agentPoll') ?? 0;
    const lan = new LanClient({ agentKey: () => 'agent-x', key: () => lanKeyFromSecret(manager.lanSecret) });
    expect(await lan.ping({ ip: '127.0.0.1', port: a.handle.lanPort }, 1_000)).toMatchObject({
      role: 'secondary',
      runningTasks: 1,
    });
    await delay(400);
    expect(manager.arrivals.get('agentPoll') ?? 0).toBe(polls);
    a.runner.log(90, 'still reporting');
    a.runner.end(90);
    await stopping;
    expect(manager.accepted.map((i) => `${i.runId}:${i.seq}`)).toEqual(['90:1', '90:2', '90:3']);
  });

  it('stops with onFatal when the manager speaks another protocol version', async () => {
    const first = await agents.start();
    await first.handle.stop();
    manager.protocolVersion = '99';
    const a = await agents.start({ stateDir: first.stateDir });
    await waitFor(() => a.fatal.length === 1, 'fatal');
    expect(a.fatal[0]?.message).toMatch(/PROTOCOL_VERSION_MISMATCH.*agent protocol 99/);
    const handshakes = manager.callsOf('agentHandshake').length;
    await delay(300);
    expect(manager.callsOf('agentHandshake').length).toBe(handshakes);
  });
});
