import type { DataSource, QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { AgentSightings } from '../../src/work/agent-sightings';
import { WorkSignal } from '../../src/work/work-signal';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { sleep, statusItem, WorkWorld } from './agent-work.fixtures';

// Long enough that "released well before the hold ends" holds on a loaded two-core machine.
const POLL_WAIT_MS = 3_000;

describe.each(testDatabaseKinds())('agent work: poll and run acceptance on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;

  beforeAll(async () => {
    // A short hold keeps the suite fast; a long lease keeps a few held polls inside half of it.
    t = await startTestApp(kind, {
      OUTPOST_AGENT_POLL_WAIT_MS: String(POLL_WAIT_MS),
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
    });
    world = new WorkWorld(t, await t.tokenFor('operator'));
  });
  afterAll(() => t?.close());

  async function waitForHeldPoll(zoneId: number): Promise<void> {
    const signal = t.app.get(WorkSignal);
    for (let tries = 0; tries < 100 && signal.waiting(zoneId) === 0; tries += 1) await sleep(10);
    expect(signal.waiting(zoneId)).toBe(1);
  }

  describe('long-poll', () => {
    it('answers at once with the run when work exists, and hands the task over', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({ zoneId: zone.zoneId });
      const started = Date.now();
      const response = await world.poll(zone);
      expect(Date.now() - started).toBeLessThan(POLL_WAIT_MS / 2);
      expect(response.status).toBe(200);
      const [run] = await world.runsOf(task.id);
      expect(run).toMatchObject({
        agentId: zone.primary.row.id,
        agentKey: zone.primary.row.agentKey,
        zoneId: zone.zoneId,
        status: 'hand-over',
        attempt: 1,
        leaseEpoch: 1,
      });
      expect(response.body.assignments).toEqual([
        {
          runId: run?.id,
          taskId: task.id,
          zoneId: zone.zoneId,
          agentKey: zone.primary.row.agentKey,
          attempt: 1,
          epoch: 1,
          task: {
            name: 'job',
            taskType: 'atOnce',
            parameter: '',
            timeoutSeconds: 0,
            showLog: true,
            cron: null,
            timeZone: 'UTC',
            untilRun: null,
            steps: [
              {
                seq: 1,
                commandName: 'hello',
                commandType: 'inline',
                command: 'echo hello',
                isRecover: false,
              },
            ],
          },
          credentials: {},
        },
      ]);
      expect(response.body.lease).toMatchObject({ epoch: 1, holderAgentKey: zone.primary.row.agentKey });
      expect(response.body.settings.pollWaitMs).toBe(POLL_WAIT_MS);
      expect(response.body.cancels).toEqual([]);
      expect(await world.task(task.id)).toMatchObject({
        status: 'hand-over',
        exeAgentKey: zone.primary.row.agentKey,
      });
      expect((await world.events(task.id, 'TASK_STATUS_CHANGED')).map((event) => event.payload)).toEqual([
        { taskId: task.id, zoneId: zone.zoneId, from: 'wait-polling', to: 'hand-over' },
      ]);
      expect((await world.events(task.id, 'TASK_RUN_STATUS_CHANGED')).map((event) => event.payload)).toEqual([
        {
          runId: run?.id,
          taskId: task.id,
          zoneId: zone.zoneId,
          agentKey: zone.primary.row.agentKey,
          from: null,
          to: 'hand-over',
        },
      ]);
    });

    it('holds the poll for about pollWaitMs when there is no work, then answers empty', async () => {
      const zone = await world.zoneWith(1);
      const started = Date.now();
      const response = await world.poll(zone);
      const elapsed = Date.now() - started;
      expect(response.status).toBe(200);
      expect(elapsed).toBeGreaterThanOrEqual(POLL_WAIT_MS * 0.9);
      expect(elapsed).toBeLessThan(POLL_WAIT_MS * 3);
      expect(response.body.assignments).toEqual([]);
      expect(response.body.cancels).toEqual([]);
      expect(response.body.members).toEqual([
        { agentKey: zone.primary.row.agentKey, ip: '10.0.0.1', port: 9350, state: 'online' },
        { agentKey: zone.secondaries[0]?.row.agentKey, ip: '10.0.0.1', port: 9350, state: 'online' },
      ]);
    });

    it('releases a held poll promptly when a task is created in its zone', async () => {
      const zone = await world.zoneWith(0);
      const polling = world.poll(zone);
      await waitForHeldPoll(zone.zoneId);
      const created = Date.now();
      const task = await world.createTask({ zoneId: zone.zoneId });
      const response = await polling;
      expect(Date.now() - created).toBeLessThan(POLL_WAIT_MS / 2);
      expect(response.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([task.id]);
    });

    it('is not released by work in another zone', async () => {
      const zone = await world.zoneWith(0);
      const other = await world.zoneWith(0);
      const started = Date.now();
      const polling = world.poll(zone);
      await waitForHeldPoll(zone.zoneId);
      await world.createTask({ zoneId: other.zoneId });
      const response = await polling;
      expect(Date.now() - started).toBeGreaterThanOrEqual(POLL_WAIT_MS * 0.9);
      expect(response.body.assignments).toEqual([]);
    });

    it('ends the hold when the primary goes away', async () => {
      const zone = await world.zoneWith(0);
      const controller = new AbortController();
      const polling = world.poll(zone, {}, { signal: controller.signal }).catch((error: unknown) => error);
      await waitForHeldPoll(zone.zoneId);
      controller.abort();
      await polling;
      const signal = t.app.get(WorkSignal);
      for (let tries = 0; tries < 50 && signal.waiting(zone.zoneId) > 0; tries += 1) await sleep(10);
      expect(signal.waiting(zone.zoneId)).toBe(0);
    });

    it('releases a scheduled task when it falls due, within the same held poll', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        schedule: new Date(Date.now() + 400).toISOString(),
      });
      expect(task.status).toBe('scheduled');
      const started = Date.now();
      const response = await world.poll(zone);
      const elapsed = Date.now() - started;
      expect(response.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([task.id]);
      expect(elapsed).toBeLessThan(POLL_WAIT_MS);
      expect((await world.events(task.id, 'TASK_STATUS_CHANGED')).map((event) => event.payload.to)).toEqual([
        'wait-polling',
        'hand-over',
      ]);
    });

    it('releases a scheduled task created after the zone was found idle, when it falls due', async () => {
      const zone = await world.zoneWith(0);
      expect((await world.poll(zone)).body.assignments).toEqual([]); // the zone is kept as idle
      const task = await world.createTask({
        zoneId: zone.zoneId,
        schedule: new Date(Date.now() + 400).toISOString(),
      });
      const started = Date.now();
      const response = await world.poll(zone);
      expect(response.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([task.id]);
      expect(Date.now() - started).toBeLessThan(POLL_WAIT_MS);
    });

    it('hands a task over once when two polls race for it', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({ zoneId: zone.zoneId });
      const [first, second] = await Promise.all([world.poll(zone), world.poll(zone)]);
      expect(await world.runsOf(task.id)).toHaveLength(1);
      // Both replies carry the one run: the second poll redelivers it (at least once).
      const runIds = [...first.body.assignments, ...second.body.assignments].map(
        (a: { runId: number }) => a.runId,
      );
      expect(new Set(runIds).size).toBe(1);
    });

    it('refuses a stale epoch with 409 STALE_EPOCH and hands nothing out', async () => {
      const zone = await world.zoneWith(1);
      const task = await world.createTask({ zoneId: zone.zoneId });
      const stale = await world.poll({ ...zone, epoch: 2 });
      expect(stale.status).toBe(409);
      expect(stale.body.code).toBe('STALE_EPOCH');
      const secondary = zone.secondaries[0];
      const notHolder = await world.poll(zone, { members: [] }, { as: secondary });
      expect(notHolder.status).toBe(409);
      expect(notHolder.body.code).toBe('STALE_EPOCH');
      expect(await world.runsOf(task.id)).toEqual([]);
      expect((await world.task(task.id)).status).toBe('wait-polling');
    });

    it('refuses a caller without an agent token with 401 and a bad body with 400, handing nothing out', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({ zoneId: zone.zoneId });
      const headers = { 'x-outpost-protocol': '1' };
      const anonymous = await t.call('POST', '/agent/v1/poll', {
        headers,
        body: { epoch: 1, members: [], runningTasks: 0 },
      });
      expect(anonymous.status).toBe(401);
      const asUser = await t.call('POST', '/agent/v1/poll', {
        headers,
        token: world.operator,
        body: { epoch: 1, members: [], runningTasks: 0 },
      });
      expect(asUser.status).toBe(401);
      const bad = await world.poll(zone, { epoch: 0, members: 'all' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.details.map((detail: { path: string }) => detail.path)).toEqual(
        expect.arrayContaining(['body.epoch', 'body.members']),
      );
      const missing = await world.agentCall('POST', '/agent/v1/poll', zone.primary.token, { epoch: 1 });
      expect(missing.status).toBe(400);
      expect(await world.runsOf(task.id)).toEqual([]);
      expect((await world.task(task.id)).status).toBe('wait-polling');
    });
  });

  describe('choosing agents', () => {
    it('gives an any task to the idle secondary rather than the busy primary', async () => {
      const zone = await world.zoneWith(1);
      const task = await world.createTask({ zoneId: zone.zoneId });
      const response = await world.poll(zone, { runningTasks: 2 });
      const secondary = zone.secondaries[0]?.row;
      expect(response.body.assignments.map((a: { agentKey: string }) => a.agentKey)).toEqual([
        secondary?.agentKey,
      ]);
      expect(await world.task(task.id)).toMatchObject({
        status: 'hand-over',
        exeAgentKey: secondary?.agentKey,
      });
    });

    it('spreads any tasks by load, counting the runs it already handed out', async () => {
      const zone = await world.zoneWith(1);
      const first = await world.createTask({ zoneId: zone.zoneId, name: 'first' });
      const second = await world.createTask({ zoneId: zone.zoneId, name: 'second' });
      await world.poll(zone);
      const [firstRun] = await world.runsOf(first.id);
      const [secondRun] = await world.runsOf(second.id);
      // Both idle: the secondary wins the tie; then it has one run and the primary none.
      expect(firstRun?.agentId).toBe(zone.secondaries[0]?.row.id);
      expect(secondRun?.agentId).toBe(zone.primary.row.id);
      const third = await world.createTask({ zoneId: zone.zoneId, name: 'third' });
      await world.poll(zone, {
        members: [{ agentKey: zone.secondaries[0]?.row.agentKey, reachable: true, runningTasks: 3 }],
      });
      expect((await world.runsOf(third.id))[0]?.agentId).toBe(zone.primary.row.id);
    });

    it('never gives work to a member the primary cannot reach', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      const task = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'agent', agentKey: secondary?.row.agentKey },
      });
      const members = [{ agentKey: secondary?.row.agentKey, reachable: false, runningTasks: 0 }];
      const response = await world.poll(zone, { members, runningTasks: 5 });
      expect(response.body.assignments).toEqual([]);
      expect((await world.task(task.id)).status).toBe('wait-polling');
    });

    it('gives an agent task to that agent only', async () => {
      const zone = await world.zoneWith(2);
      const target = zone.secondaries[1]?.row;
      const task = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'agent', agentKey: target?.agentKey },
      });
      const response = await world.poll(zone);
      expect(response.body.assignments.map((a: { agentKey: string }) => a.agentKey)).toEqual([
        target?.agentKey,
      ]);
      expect((await world.runsOf(task.id)).map((run) => run.agentId)).toEqual([target?.id]);
    });

    it('keeps a task for an unknown agent waiting, and delivers it once that agent joined and is online', async () => {
      const zone = await world.zoneWith(0);
      const later = `agt_later_${kind}`;
      const task = await world.createTask({ zoneId: zone.zoneId, agentKey: later });
      const before = await world.poll(zone);
      expect(before.body.assignments).toEqual([]);
      expect((await world.task(task.id)).status).toBe('wait-polling');
      // Visible while it waits.
      const listed = await t.call('GET', `/api/v1/tasks?zoneId=${zone.zoneId}&status=wait-polling`, {
        token: world.operator,
      });
      expect(listed.body.items.map((item: { id: number }) => item.id)).toContain(task.id);
      const joined = await world.addAgent(zone.zoneId, { state: 'new' });
      await t.dataSource.manager.update(AgentEntity, { id: joined.row.id }, { agentKey: later });
      const after = await world.poll(zone, {
        members: [{ agentKey: later, reachable: true, runningTasks: 0 }],
      });
      expect(
        after.body.assignments.map((a: { agentKey: string; taskId: number }) => [a.agentKey, a.taskId]),
      ).toEqual([[later, task.id]]);
      expect((await t.dataSource.manager.findOneByOrFail(AgentEntity, { id: joined.row.id })).state).toBe(
        'online',
      );
    });

    it('gives a retired agent no more work, though the poll kept its zone’s agents', async () => {
      const zone = await world.zoneWith(1, { secondaries: [{ labels: { gpu: 'yes' } }] });
      const [secondary] = zone.secondaries;
      const unreachable = {
        members: [{ agentKey: secondary?.row.agentKey, reachable: false, runningTasks: 0 }],
      };
      // Only the secondary fits; while the primary cannot reach it, the task waits.
      const task = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'labels', labels: { gpu: 'yes' } },
      });
      expect((await world.poll(zone, unreachable)).body.assignments).toEqual([]);
      const retired = await t.call(
        'POST',
        `/api/v1/zones/${zone.zoneId}/agents/${secondary?.row.agentKey}/retire`,
        { token: world.operator },
      );
      expect(retired.status).toBe(200);
      const response = await world.poll(zone); // the retired agent still answers on the LAN
      expect(response.body.assignments).toEqual([]);
      expect(response.body.members.map((m: { agentKey: string }) => m.agentKey)).toEqual([
        zone.primary.row.agentKey,
      ]);
      expect((await world.task(task.id)).status).toBe('wait-polling');
    });

    it('gives an all task one run per eligible agent', async () => {
      const zone = await world.zoneWith(2);
      const [reachable, unreachable] = zone.secondaries;
      const task = await world.createTask({ zoneId: zone.zoneId, target: { kind: 'all' } });
      const members = [
        { agentKey: reachable?.row.agentKey, reachable: true, runningTasks: 0 },
        { agentKey: unreachable?.row.agentKey, reachable: false, runningTasks: 0 },
      ];
      const response = await world.poll(zone, { members });
      const runs = await world.runsOf(task.id);
      expect(runs.map((run) => run.agentId).sort()).toEqual([zone.primary.row.id, reachable?.row.id].sort());
      expect(response.body.assignments).toHaveLength(2);
      expect(await world.task(task.id)).toMatchObject({ status: 'hand-over', exeAgentKey: null });
    });

    it('gives a labels task to every agent with all the labels, and keeps one nobody fits waiting', async () => {
      const zone = await world.zoneWith(2, {
        primary: { labels: { os: 'linux' } },
        secondaries: [{ labels: { os: 'linux', gpu: 'yes' } }, { labels: { os: 'windows', gpu: 'yes' } }],
      });
      const gpuLinux = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'labels', labels: { os: 'linux', gpu: 'yes' } },
      });
      const linux = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'labels', labels: { os: 'linux' } },
      });
      const nobody = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'labels', labels: { os: 'bsd' } },
      });
      await world.poll(zone);
      expect((await world.runsOf(gpuLinux.id)).map((run) => run.agentId)).toEqual([
        zone.secondaries[0]?.row.id,
      ]);
      expect((await world.runsOf(linux.id)).map((run) => run.agentId)).toEqual([
        zone.primary.row.id,
        zone.secondaries[0]?.row.id,
      ]);
      expect(await world.runsOf(nobody.id)).toEqual([]);
      expect((await world.task(nobody.id)).status).toBe('wait-polling');
    });
  });

  describe('credentials and run acceptance', () => {
    it('puts no credentials in poll replies: they come only with the acceptance, to the run’s own agent', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      const credential = await t.call('POST', `/api/v1/zones/${zone.zoneId}/credentials`, {
        token: world.operator,
        body: { key: 'DB_PASSWORD', value: 's3cret-value' },
      });
      expect(credential.status).toBe(201);
      const own = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        parameter: '{{DB_PASSWORD}}',
      });
      const theirs = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: secondary?.row.agentKey,
        parameter: '{{DB_PASSWORD}}',
      });
      const response = await world.poll(zone);
      const byTask = new Map(response.body.assignments.map((a: { taskId: number }) => [a.taskId, a]));
      expect(byTask.get(own.id)).toMatchObject({ credentials: {}, task: { parameter: '{{DB_PASSWORD}}' } });
      expect(byTask.get(theirs.id)).toMatchObject({ credentials: {} });
      expect(JSON.stringify(response.body)).not.toContain('s3cret-value');
      const [ownRun] = await world.runsOf(own.id);
      const accepted = await world.accept(zone.primary, ownRun?.id ?? 0);
      expect(accepted.body).toMatchObject({
        runId: ownRun?.id,
        credentials: { DB_PASSWORD: 's3cret-value' },
      });
    });

    it("lets a run's own agent accept it and get its assignment with credentials, and nobody else", async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      await t.call('POST', `/api/v1/zones/${zone.zoneId}/credentials`, {
        token: world.operator,
        body: { key: 'TOKEN', value: 'abc' },
      });
      const task = await world.createTask({ zoneId: zone.zoneId, agentKey: secondary.row.agentKey });
      await world.poll(zone);
      const [run] = await world.runsOf(task.id);
      const path = `/agent/v1/runs/${run?.id}/accept`;
      const byPrimary = await world.agentCall('POST', path, zone.primary.token);
      expect(byPrimary.status).toBe(404);
      expect(byPrimary.body.code).toBe('TASK_RUN_NOT_FOUND');
      expect(JSON.stringify(byPrimary.body)).not.toContain('abc');
      const foreignZone = await world.zoneWith(0);
      expect((await world.agentCall('POST', path, foreignZone.primary.token)).status).toBe(404);
      expect((await world.runsOf(task.id)).map((r) => r.status)).toEqual(['hand-over']);
      const accepted = await world.agentCall('POST', path, secondary.token);
      expect(accepted.status).toBe(200);
      expect(accepted.body).toMatchObject({
        runId: run?.id,
        taskId: task.id,
        agentKey: secondary.row.agentKey,
        credentials: { TOKEN: 'abc' },
      });
      expect((await world.runsOf(task.id)).map((r) => r.status)).toEqual(['wait-exec']);
      expect((await world.task(task.id)).status).toBe('wait-exec');
      expect(await world.statusEvents(task.id)).toEqual(['wait-polling→hand-over', 'hand-over→wait-exec']);
      // Accepted runs are no longer handed out.
      expect((await world.poll(zone)).body.assignments).toEqual([]);
      // Accepting again (a retry after a lost answer) answers the same and changes nothing.
      const again = await world.agentCall('POST', path, secondary.token);
      expect(again.status).toBe(200);
      expect(again.body.runId).toBe(run?.id);
      expect(await world.statusEvents(task.id)).toEqual(['wait-polling→hand-over', 'hand-over→wait-exec']);
      expect((await world.agentCall('POST', '/agent/v1/runs/999999/accept', secondary.token)).body.code).toBe(
        'TASK_RUN_NOT_FOUND',
      );
      expect((await world.agentCall('POST', '/agent/v1/runs/abc/accept', secondary.token)).status).toBe(400);
      expect((await t.call('POST', path, { headers: { 'x-outpost-protocol': '1' } })).status).toBe(401);
      expect(
        (await t.call('POST', path, { token: world.operator, headers: { 'x-outpost-protocol': '1' } }))
          .status,
      ).toBe(401);
      // A started run is not accepted again: the agent would run it twice.
      await world.report(secondary, [statusItem(run?.id ?? 0, 'started', { currentStep: 1 })]);
      const started = await world.agentCall('POST', path, secondary.token);
      expect(started.status).toBe(409);
      expect(started.body).toMatchObject({
        code: 'INVALID_TRANSITION',
        message: expect.stringContaining('started'),
      });
      // A finished run is unknown to the route.
      const done = await world.report(secondary, [statusItem(run?.id ?? 0, 'complete', { currentStep: 1 })]);
      expect(done.body.outcomes[0].outcome).toBe('accepted');
      expect((await world.agentCall('POST', path, secondary.token)).status).toBe(404);
    });

    it('refuses to accept a run whose task was stopped after it was handed over', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({ zoneId: zone.zoneId });
      await world.poll(zone);
      const [run] = await world.runsOf(task.id);
      const cancel = await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: world.operator });
      expect(cancel.status).toBeLessThan(300);
      expect((await world.task(task.id)).status).toBe('stopped');
      const refused = await world.accept(zone.primary, run?.id ?? 0);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'INVALID_TRANSITION',
        message: expect.stringContaining('stopped'),
      });
    });

    it('never hands out again a run that was accepted, even when its agent cannot be reached', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({ zoneId: zone.zoneId, agentKey: secondary.row.agentKey });
      await world.poll(zone);
      const [run] = await world.runsOf(task.id);
      expect((await world.accept(secondary, run?.id ?? 0)).status).toBe(200);
      // Past the stranded-run rescue's lease TTL, with the agent unreachable: nothing is rescued.
      const unreachable = [{ agentKey: secondary.row.agentKey, reachable: false, runningTasks: 0 }];
      await t.dataSource.manager.update(
        TaskRunEntity,
        { id: run?.id },
        { createdAt: new Date(Date.now() - 10 * 60_000) },
      );
      expect((await world.poll(zone, { members: unreachable })).body.assignments).toEqual([]);
      expect((await world.runsOf(task.id)).map((r) => r.status)).toEqual(['wait-exec']);
    });

    it('hands out again, to an agent it can reach, a run nobody accepted whose agent is unreachable for a lease TTL', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({ zoneId: zone.zoneId });
      // The primary reports itself busy so the run goes to the secondary.
      await world.poll(zone, {
        runningTasks: 9,
        members: [{ agentKey: secondary.row.agentKey, reachable: true, runningTasks: 0 }],
      });
      const [first] = await world.runsOf(task.id);
      expect(first?.agentId).toBe(secondary.row.id);
      await t.dataSource.manager.update(
        TaskRunEntity,
        { id: first?.id },
        { createdAt: new Date(Date.now() - 10 * 60_000) },
      );
      const poll = await world.poll(zone, {
        members: [{ agentKey: secondary.row.agentKey, reachable: false, runningTasks: 0 }],
      });
      expect(poll.body.assignments.map((a: { agentKey: string }) => a.agentKey)).toEqual([
        zone.primary.row.agentKey,
      ]);
      const runs = await world.runsOf(task.id);
      expect(runs.map((r) => [r.status, r.agentId])).toEqual([
        ['canceled', secondary.row.id],
        ['hand-over', zone.primary.row.id],
      ]);
      expect(runs[0]?.error).toMatch(/^never accepted/);
      // The late acceptance of the first run loses: its agent must not start it.
      expect((await world.accept(secondary, first?.id ?? 0)).status).toBe(404);
    });
  });

  describe('redelivery', () => {
    it('sends unacknowledged runs again on every poll, under the current epoch, until the agent accepts them', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({ zoneId: zone.zoneId, agentKey: secondary.row.agentKey });
      const first = await world.poll(zone);
      const runId = first.body.assignments[0].runId as number;
      const again = await world.poll(zone);
      expect(again.body.assignments.map((a: { runId: number }) => a.runId)).toEqual([runId]);
      expect(await world.runsOf(task.id)).toHaveLength(1);
      // The primary changed (a new epoch): the run goes out again, fenced by the new epoch.
      await world.grantLease(zone.zoneId, zone.primary.row.id, 2);
      const newEpoch = await world.poll({ ...zone, epoch: 2 });
      expect(newEpoch.status).toBe(200);
      expect(
        newEpoch.body.assignments.map((a: { runId: number; epoch: number }) => [a.runId, a.epoch]),
      ).toEqual([[runId, 2]]);
      expect((await t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: runId })).leaseEpoch).toBe(2);
      const accepted = await world.report(secondary, [statusItem(runId, 'wait-exec')]);
      expect(accepted.body.outcomes[0].outcome).toBe('accepted');
      const quiet = await world.poll({ ...zone, epoch: 2 });
      expect(quiet.body.assignments).toEqual([]);
      expect((await world.task(task.id)).status).toBe('wait-exec');
    });
  });

  describe('what the primary saw', () => {
    it('marks the primary and reachable members online with their resources, and leaves the rest', async () => {
      const zone = await world.zoneWith(2, { secondaries: [{ state: 'offline' }, { state: 'offline' }] });
      const [seen, unseen] = zone.secondaries;
      const resources = {
        cpuCores: 8,
        memoryMb: 16000,
        diskMb: 500000,
        freeMemoryMb: 8000,
        freeDiskMb: 250000,
      };
      await world.poll(zone, {
        runningTasks: 1,
        resources,
        members: [
          { agentKey: seen?.row.agentKey, reachable: true, runningTasks: 4, resources },
          { agentKey: unseen?.row.agentKey, reachable: false, runningTasks: 0 },
        ],
      });
      const rows = await t.dataSource.manager.find(AgentEntity, {
        where: { zoneId: zone.zoneId },
        order: { id: 'ASC' },
      });
      expect(rows.map((row) => [row.state, row.runningTasks])).toEqual([
        ['online', 1],
        ['online', 4],
        ['offline', 0],
      ]);
      expect(rows[1]).toMatchObject({ cpuCores: 8, memoryMb: 16000, freeDiskMb: 250000 });
      expect(rows[1]?.lastSeenAt?.getTime()).toBeGreaterThan(seen?.row.lastSeenAt?.getTime() ?? Infinity);
      const connects = await t.dataSource.manager.find(EventEntity, {
        where: { zoneId: zone.zoneId, type: 'AGENT_CONNECT' },
      });
      expect(connects.map((event) => event.agentId)).toEqual([seen?.row.id]);
    });

    it('writes a sighting of an online agent with one statement, and trusts the row over a stale view', async () => {
      const zone = await world.zoneWith(2);
      const [suspect, offline] = zone.secondaries;
      if (!suspect || !offline) throw new Error('no secondaries');
      const sightings = t.app.get(AgentSightings);
      const rows = () =>
        t.dataSource.manager.find(AgentEntity, { where: { zoneId: zone.zoneId }, order: { id: 'ASC' } });
      const held = await rows(); // as the zone's kept view holds them: all online
      expect(held.map((row) => row.state)).toEqual(['online', 'online', 'online']);
      const queries = spyOnQueries(t.dataSource);
      try {
        await sightings.record(
          held.map((agent) => ({ agent, runningTasks: 1 })),
          new Date(Date.now() + 60_000),
        );
        expect(queries.statements().filter((sql) => /^\s*UPDATE/i.test(sql))).toHaveLength(3);
      } finally {
        await queries.restore();
      }
      // Meanwhile the liveness worker (maybe of another manager) moved two of them on.
      await t.dataSource.manager.update(AgentEntity, { id: suspect.row.id }, { state: 'suspect' });
      await t.dataSource.manager.update(AgentEntity, { id: offline.row.id }, { state: 'offline' });
      const stale = await rows();
      for (const agent of stale) agent.state = 'online';
      await sightings.record(
        stale.map((agent) => ({ agent, runningTasks: 2 })),
        new Date(Date.now() + 120_000),
      );
      expect((await rows()).map((row) => [row.state, row.runningTasks])).toEqual([
        ['online', 2],
        ['online', 2],
        ['online', 2],
      ]);
      // Back from suspect is quiet; back from offline is a connect.
      const connects = await t.dataSource.manager.find(EventEntity, {
        where: { zoneId: zone.zoneId, type: 'AGENT_CONNECT' },
      });
      expect(connects.map((event) => event.agentId)).toEqual([offline.row.id]);
    });

    it('reads nothing from the database in steady state, and still hands over new work at once', async () => {
      const zone = await world.zoneWith(1);
      await world.poll(zone); // a full look: the zone is idle, which the manager keeps
      const queries = spyOnQueries(t.dataSource);
      try {
        expect((await world.poll(zone)).body.assignments).toEqual([]);
        expect(queries.count()).toBe(0);
      } finally {
        await queries.restore();
      }
      // Creating the task signals the zone, so the kept "idle" no longer counts.
      const task = await world.createTask({ zoneId: zone.zoneId });
      const started = Date.now();
      const response = await world.poll(zone);
      expect(Date.now() - started).toBeLessThan(POLL_WAIT_MS / 2);
      expect(response.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([task.id]);
    });

    it('writes nothing to the database in steady state', async () => {
      const zone = await world.zoneWith(1);
      await world.poll(zone); // first poll: renews the lease and records the agents once
      const snapshot = async () => ({
        agents: (
          await t.dataSource.manager.find(AgentEntity, {
            where: { zoneId: zone.zoneId },
            order: { id: 'ASC' },
          })
        ).map((row) => [row.updatedAt.getTime(), row.lastSeenAt?.getTime()]),
        renewedAt: (
          await t.dataSource.manager.findOneByOrFail(ZoneLeaseEntity, { zoneId: zone.zoneId })
        ).renewedAt?.getTime(),
        expiresAt: (
          await t.dataSource.manager.findOneByOrFail(ZoneLeaseEntity, { zoneId: zone.zoneId })
        ).expiresAt.getTime(),
        events: await t.dataSource.manager.count(EventEntity),
      });
      const before = await snapshot();
      for (let poll = 0; poll < 3; poll += 1) expect((await world.poll(zone)).status).toBe(200);
      expect(await snapshot()).toEqual(before);
    });
  });
});

/**
 * Counts the SQL statements the data source runs from now on. SQLite has one shared query runner
 * (wrapped by the access gate, so its own `query` is spied on); MySQL creates a runner per query,
 * so their class's `query` is.
 */
function spyOnQueries(dataSource: DataSource): {
  count(): number;
  statements(): string[];
  restore(): Promise<void>;
} {
  const runner: QueryRunner = dataSource.createQueryRunner();
  const owner: { query: QueryRunner['query'] } = Object.prototype.hasOwnProperty.call(runner, 'query')
    ? runner
    : Object.getPrototypeOf(runner);
  const spy = vi.spyOn(owner, 'query');
  return {
    count: () => spy.mock.calls.length,
    statements: () => spy.mock.calls.map((call) => String(call[0])),
    restore: async () => {
      spy.mockRestore();
      if (dataSource.options.type !== 'better-sqlite3') await runner.release();
    },
  };
}
