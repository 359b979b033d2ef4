import { agentDisconnectDataSchema } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { AgentLiveness } from '../../src/liveness/agent-liveness.service';
import { LivenessRepository } from '../../src/liveness/liveness.repository';
import { TaskScheduler } from '../../src/scheduling/task-scheduler.service';
import { TaskEntity } from '../../src/tasks/task.entity';
import { AgentSightings } from '../../src/work/agent-sightings';
import { RunReaper } from '../../src/work/run-reaper';
import type { ManualClock } from '../testing/manual-clock';
import type { TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { WorkerWorld } from './worker-world';

const SUSPECT_MS = 30_000;
const OFFLINE_MS = 90_000;

describe.each(testDatabaseKinds())('agent liveness on %s', (kind) => {
  let t: TestApp;
  let world: WorkerWorld;
  let clock: ManualClock;
  let liveness: AgentLiveness;
  let epoch = 100;

  beforeAll(async () => {
    world = await WorkerWorld.start(kind);
    ({ t, clock } = world);
    liveness = t.app.get(AgentLiveness);
  });
  afterAll(() => t?.close());

  /** A zone whose only secondary was last seen now (by the test's clock); liveness starts watching. */
  async function watchedZone() {
    const zone = await world.zoneWith(1);
    const secondary = zone.secondaries[0];
    if (!secondary) throw new Error('no secondary');
    await world.setAgent(zone.primary, { lastSeenAt: clock.now() });
    await world.setAgent(secondary, { lastSeenAt: clock.now() });
    // A new holding of the lock: judging starts now.
    epoch += 1;
    await liveness.check(epoch);
    return { zone, secondary };
  }

  it('marks an agent silent for 30 s suspect, for 90 s offline, with one AGENT_DISCONNECT', async () => {
    const { zone, secondary } = await watchedZone();
    clock.advance(SUSPECT_MS);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('online');
    clock.advance(1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('suspect');
    expect(await world.eventsOfAgent(secondary.row.id, 'AGENT_DISCONNECT')).toHaveLength(0);
    clock.advance(OFFLINE_MS - SUSPECT_MS);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('offline');
    await liveness.check(epoch);
    const events = await world.eventsOfAgent(secondary.row.id, 'AGENT_DISCONNECT');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      zoneId: zone.zoneId,
      payload: { agentKey: secondary.row.agentKey, zoneId: zone.zoneId, silentSeconds: 90 },
    });
    // The published shape (strict: no field beyond the versioned schema).
    expect(agentDisconnectDataSchema.parse(events[0]?.payload)).toEqual(events[0]?.payload);
  });

  it('judges nobody before they could be seen since it started watching (no offline storm after an outage)', async () => {
    const { secondary } = await watchedZone();
    await world.setAgent(secondary, { lastSeenAt: new Date(clock.now().getTime() - 3_600_000) });
    epoch += 1;
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('online');
    clock.advance(SUSPECT_MS + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('suspect');
  });

  it('leaves new and retired agents alone', async () => {
    const zone = await world.zoneWith(0);
    const fresh = await world.addAgent(zone.zoneId, { state: 'new' });
    const retired = await world.addAgent(zone.zoneId, { state: 'retired' });
    const old = new Date(clock.now().getTime() - 3_600_000);
    await world.setAgent(fresh, { lastSeenAt: old });
    await world.setAgent(retired, { lastSeenAt: old });
    epoch += 1;
    await liveness.check(epoch);
    clock.advance(OFFLINE_MS + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(fresh)).state).toBe('new');
    expect((await world.agentRow(retired)).state).toBe('retired');
  });

  it('brings an agent back only through a fresh sighting, which writes AGENT_CONNECT once', async () => {
    const { secondary } = await watchedZone();
    clock.advance(OFFLINE_MS + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('offline');
    // Silence never brings it back, however often the worker looks.
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('offline');
    const connectsBefore = (await world.eventsOfAgent(secondary.row.id, 'AGENT_CONNECT')).length;
    const row = await world.agentRow(secondary);
    await t.app.get(AgentSightings).record([{ agent: row, runningTasks: 0 }], clock.now());
    expect(await world.agentRow(secondary)).toMatchObject({ state: 'online', lastSeenAt: clock.now() });
    expect(await world.eventsOfAgent(secondary.row.id, 'AGENT_CONNECT')).toHaveLength(connectsBefore + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('online');
  });

  it('takes a suspect agent back quietly when it is seen again: no AGENT_CONNECT without a disconnect', async () => {
    const { secondary } = await watchedZone();
    clock.advance(SUSPECT_MS + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('suspect');
    const connectsBefore = (await world.eventsOfAgent(secondary.row.id, 'AGENT_CONNECT')).length;
    await t.app
      .get(AgentSightings)
      .record([{ agent: await world.agentRow(secondary), runningTasks: 0 }], clock.now());
    expect((await world.agentRow(secondary)).state).toBe('online');
    expect(await world.eventsOfAgent(secondary.row.id, 'AGENT_CONNECT')).toHaveLength(connectsBefore);
    expect(await world.eventsOfAgent(secondary.row.id, 'AGENT_DISCONNECT')).toHaveLength(0);
  });

  it('never overwrites a sighting that lands between its read and its write', async () => {
    const { secondary } = await watchedZone();
    clock.advance(SUSPECT_MS + 1);
    const repository = t.app.get(LivenessRepository);
    const [read] = (
      await repository.silentAgents(new Date(clock.now().getTime() - SUSPECT_MS), 10_000)
    ).filter((agent) => agent.id === secondary.row.id);
    if (!read) throw new Error('the silent agent was not found');
    // The primary's poll sees it now.
    await world.setAgent(secondary, { lastSeenAt: clock.now() });
    const changed = await t.dataSource.transaction((manager) =>
      repository.changeState(manager, read, 'suspect', clock.now()),
    );
    expect(changed).toBe(false);
    expect((await world.agentRow(secondary)).state).toBe('online');
  });

  it('gives an offline agent no work until the primary reaches it again', async () => {
    const { zone, secondary } = await watchedZone();
    clock.advance(OFFLINE_MS + 1);
    await liveness.check(epoch);
    await world.refreshLease(zone);
    const task = await world.createTask({ zoneId: zone.zoneId, agentKey: secondary.row.agentKey });
    const unreachable = await world.poll(zone, {
      members: [{ agentKey: secondary.row.agentKey, reachable: false, runningTasks: 0 }],
    });
    expect(unreachable.status).toBe(200);
    expect(unreachable.body.assignments).toEqual([]);
    expect((await world.task(task.id)).status).toBe('wait-polling');
    expect((await world.agentRow(secondary)).state).toBe('offline');
    const reached = await world.poll(zone);
    expect(reached.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([task.id]);
    expect((await world.agentRow(secondary)).state).toBe('online');
  });

  it('never runs a finished iteration task again when its agent goes offline and comes back', async () => {
    const { zone, secondary } = await watchedZone();
    const task = await world.createTask({
      zoneId: zone.zoneId,
      agentKey: secondary.row.agentKey,
      taskType: 'iteration',
      cron: '* * * * *',
    });
    const finishedAt = clock.now();
    await t.dataSource.manager.update(TaskEntity, { id: task.id }, { status: 'complete', finishedAt });
    clock.advance(OFFLINE_MS + 1);
    await liveness.check(epoch);
    expect((await world.agentRow(secondary)).state).toBe('offline');
    await t.app.get(RunReaper).reap();
    await t.app.get(TaskScheduler).pass();
    const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { id: secondary.row.id });
    await t.app.get(AgentSightings).record([{ agent: row, runningTasks: 0 }], clock.now());
    await world.refreshLease(zone);
    await world.poll(zone);
    await t.app.get(TaskScheduler).pass();
    expect(await world.task(task.id)).toMatchObject({ status: 'complete', finishedAt });
    expect(await world.runsOf(task.id)).toEqual([]);
  });
});
