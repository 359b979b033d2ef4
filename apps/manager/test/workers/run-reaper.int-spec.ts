import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TaskRunEntity } from '../../src/tasks/task-run.entity';
import { RunReaper } from '../../src/work/run-reaper';
import { RunReaperRepository } from '../../src/work/run-reaper.repository';
import { WorkSignal } from '../../src/work/work-signal';
import type { ManualClock } from '../testing/manual-clock';
import type { TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { WorkerWorld } from './worker-world';

const HEARTBEAT_TIMEOUT_MS = 60_000;
const GRACE_MS = 30_000;

describe.each(testDatabaseKinds())('run reaper on %s', (kind) => {
  let t: TestApp;
  let world: WorkerWorld;
  let clock: ManualClock;
  let reaper: RunReaper;

  beforeAll(async () => {
    world = await WorkerWorld.start(kind);
    ({ t, clock } = world);
    reaper = t.app.get(RunReaper);
  });
  afterAll(() => t?.close());

  /** A zone whose primary runs a delivered task, reported started now. */
  async function runningTask(body: Record<string, unknown> = {}) {
    const zone = await world.zoneWith(0);
    const { taskId, runId } = await world.delivered(zone, body);
    const report = await world.report(
      zone.primary,
      [world.item(runId, 'started', { currentStep: 1 })],
      [runId],
    );
    expect(report.status).toBe(200);
    expect((await world.task(taskId)).status).toBe('started');
    return { zone, taskId, runId };
  }

  describe('heartbeats', () => {
    it('fails a run whose heartbeats stopped as "agent lost", and the task per its policy', async () => {
      const { taskId, runId } = await runningTask();
      clock.advance(HEARTBEAT_TIMEOUT_MS);
      await reaper.reap();
      expect((await world.run(runId)).status).toBe('started');
      clock.advance(1_001);
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^agent lost: no heartbeat for 6\d s$/),
        finishedAt: clock.now(),
      });
      expect(await world.task(taskId)).toMatchObject({ status: 'failed', finishedAt: clock.now() });
      expect(await world.statusEvents(taskId)).toEqual([
        'wait-polling→hand-over',
        'hand-over→wait-exec',
        'wait-exec→started',
        'started→failed',
      ]);
      // Nothing more to do: a second pass changes nothing.
      expect(await reaper.reap()).toMatchObject({ reaped: 0 });
    });

    it('retries a lost run when the task has retries left (the same rule as a failed report)', async () => {
      const { taskId } = await runningTask({ maxRetries: 1, retryBackoffSeconds: 5 });
      clock.advance(HEARTBEAT_TIMEOUT_MS + 1_001);
      await reaper.reap();
      const task = await world.task(taskId);
      expect(task).toMatchObject({ status: 'scheduled', attempt: 1, finishedAt: null });
      expect(task.nextRunAt).toEqual(new Date(clock.now().getTime() + 5_000));
    });

    it('keeps a longTerm task alive as long as its heartbeats come', async () => {
      const { zone, taskId, runId } = await runningTask({ taskType: 'longTerm' });
      for (let beat = 0; beat < 6; beat += 1) {
        clock.advance(20_000);
        await world.refreshLease(zone);
        expect((await world.report(zone.primary, [], [runId])).status).toBe(200);
        await reaper.reap();
      }
      expect((await world.run(runId)).status).toBe('started');
      expect((await world.task(taskId)).status).toBe('started');
      clock.advance(HEARTBEAT_TIMEOUT_MS + 1);
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/agent lost/),
      });
      expect((await world.task(taskId)).status).toBe('failed');
    });
  });

  describe('offline agents', () => {
    it('fails an executing run of an agent that went offline, without waiting for the heartbeat timeout', async () => {
      const { zone, taskId, runId } = await runningTask();
      await world.setAgent(zone.primary, { state: 'offline' });
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'failed',
        error: 'agent lost: its agent went offline while the run was executing',
      });
      expect((await world.task(taskId)).status).toBe('failed');
    });

    it('hands a task out again when its agent went offline before accepting its run', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const { taskId, runId } = await world.delivered(zone, {}, secondary);
      expect((await world.task(taskId)).status).toBe('hand-over');
      await world.setAgent(secondary, { state: 'offline' });
      const woken = t.app.get(WorkSignal).wait(zone.zoneId, 5_000);
      await reaper.reap();
      expect(await woken).toBe(true);
      expect(await world.run(runId)).toMatchObject({
        status: 'canceled',
        error: 'never started: its agent went offline before accepting it',
      });
      expect(await world.task(taskId)).toMatchObject({ status: 'wait-polling', exeAgentKey: null });
      expect((await world.statusEvents(taskId)).at(-1)).toBe('hand-over→wait-polling');
      // Not handed to the agent while the primary cannot reach it; handed again once it can.
      await world.refreshLease(zone);
      const unreachable = [{ agentKey: secondary.row.agentKey, reachable: false, runningTasks: 0 }];
      expect((await world.poll(zone, { members: unreachable })).body.assignments).toEqual([]);
      const poll = await world.poll(zone);
      expect(poll.body.assignments.map((a: { taskId: number }) => a.taskId)).toEqual([taskId]);
      expect((await world.runsOf(taskId)).map((run) => run.status)).toEqual(['canceled', 'hand-over']);
    });

    it('fails, never hands out again, a run its agent accepted before going offline: it may have started', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const { taskId, runId } = await world.delivered(zone, {}, secondary);
      const accepted = await world.accept(secondary, runId);
      expect(accepted.status).toBe(200);
      expect((await world.task(taskId)).status).toBe('wait-exec');
      await world.setAgent(secondary, { state: 'offline' });
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'failed',
        error: 'agent lost: its agent went offline after accepting the run, before reporting it started',
      });
      expect((await world.task(taskId)).status).toBe('failed');
      await world.refreshLease(zone);
      expect((await world.poll(zone)).body.assignments).toEqual([]);
      expect((await world.runsOf(taskId)).map((run) => run.status)).toEqual(['failed']);
    });

    it('retries an accepted run of a lost agent only when the task has retries left', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const { taskId, runId } = await world.delivered(zone, { maxRetries: 1 }, secondary);
      await world.accept(secondary, runId);
      await world.setAgent(secondary, { state: 'offline' });
      await reaper.reap();
      expect((await world.run(runId)).status).toBe('failed');
      expect((await world.task(taskId)).status).toBe('scheduled');
    });

    it('fails an accepted run that never reported started within the heartbeat timeout', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId } = await world.delivered(zone);
      expect((await world.accept(zone.primary, runId)).status).toBe(200);
      clock.advance(HEARTBEAT_TIMEOUT_MS - 1_000);
      await reaper.reap();
      expect((await world.run(runId)).status).toBe('wait-exec');
      clock.advance(2_000);
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^agent lost: no heartbeat/),
      });
      expect((await world.task(taskId)).status).toBe('failed');
    });

    it('fails only the lost agent’s run of a multi-run delivery; the task ends when the others do', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({ zoneId: zone.zoneId, target: { kind: 'all' } });
      await world.poll(zone);
      const runs = await world.runsOf(task.id);
      expect(runs).toHaveLength(2);
      const primaryRun = runs.find((run) => run.agentId === zone.primary.row.id) as TaskRunEntity;
      const secondaryRun = runs.find((run) => run.agentId === secondary.row.id) as TaskRunEntity;
      await world.setAgent(secondary, { state: 'offline' });
      await reaper.reap();
      expect(await world.run(secondaryRun.id)).toMatchObject({ status: 'failed' });
      expect(await world.run(primaryRun.id)).toMatchObject({ status: 'hand-over' });
      expect((await world.task(task.id)).finishedAt).toBeNull();
      await world.report(zone.primary, [
        world.item(primaryRun.id, 'complete', { currentStep: 1, result: 'ok' }),
      ]);
      expect((await world.task(task.id)).status).toBe('failed');
    });

    it('ends the runs of a stopped task whose agent is gone, leaving the task as it is', async () => {
      const { zone, taskId, runId } = await runningTask();
      expect((await t.call('DELETE', `/api/v1/tasks/${taskId}`, { token: world.operator })).status).toBe(200);
      await world.setAgent(zone.primary, { state: 'offline' });
      await reaper.reap();
      expect((await world.run(runId)).status).toBe('failed');
      expect((await world.task(taskId)).status).toBe('stopped');
    });
  });

  describe('timeout backstop', () => {
    it('times out a run its agent never finished after the timeout plus the grace, and cancels it on the next report', async () => {
      const { zone, taskId, runId } = await runningTask({ timeout: 10 });
      const beat = async (ms: number) => {
        clock.advance(ms);
        await world.refreshLease(zone);
        return world.report(zone.primary, [], [runId]);
      };
      await beat(20_000);
      await beat(20_000);
      await reaper.reap();
      expect((await world.run(runId)).status).toBe('started');
      // Heartbeats are fresh: only the timeout (10 s + 30 s grace) ends it.
      await beat(1_000);
      await reaper.reap();
      expect(await world.run(runId)).toMatchObject({
        status: 'timeout',
        error: expect.stringMatching(/^timed out: no result 10 s \(\+30 s grace\)/),
      });
      expect(await world.task(taskId)).toMatchObject({ status: 'timeout', finishedAt: clock.now() });
      // The agent still says it runs it: the reply tells it to stop.
      const report = await beat(1_000);
      expect(report.body.cancels).toEqual([runId]);
      // Its late stopped report is refused (the run is final), and then nothing is canceled any more.
      const late = await world.report(zone.primary, [world.item(runId, 'stopped', { currentStep: 1 })], []);
      expect(late.body.outcomes[0]).toMatchObject({ outcome: 'rejected' });
      expect(late.body.cancels).toEqual([]);
    });

    it('retries a timed-out run when retries are left', async () => {
      const { zone, taskId } = await runningTask({ timeout: 5, maxRetries: 2 });
      clock.advance(5_000 + GRACE_MS + 1);
      await world.refreshLease(zone);
      await reaper.reap();
      expect(await world.task(taskId)).toMatchObject({ status: 'scheduled', attempt: 1 });
    });
  });

  describe('guarded writes', () => {
    it('leaves a run alone that its report finished after it was nominated', async () => {
      const { zone, taskId, runId } = await runningTask();
      clock.advance(HEARTBEAT_TIMEOUT_MS + 1_001);
      const nominated = await t.app
        .get(RunReaperRepository)
        .silentRuns(new Date(clock.now().getTime() - HEARTBEAT_TIMEOUT_MS), 1_000);
      expect(nominated).toContain(runId);
      await world.refreshLease(zone);
      await world.report(zone.primary, [world.item(runId, 'complete', { currentStep: 1, result: 'done' })]);
      expect(await reaper.reapRun(runId)).toBe(false);
      expect(await world.run(runId)).toMatchObject({ status: 'complete', error: null });
      expect(await world.task(taskId)).toMatchObject({ status: 'complete', result: 'done' });
    });

    it('never ends the same run twice when two passes race', async () => {
      const { taskId, runId } = await runningTask();
      clock.advance(HEARTBEAT_TIMEOUT_MS + 1_001);
      const results = await Promise.all([
        reaper.reapRun(runId),
        reaper.reapRun(runId),
        reaper.reapRun(runId),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await world.statusEvents(taskId)).filter((change) => change === 'started→failed')).toHaveLength(
        1,
      );
      const runEvents = await world.events(taskId, 'TASK_RUN_STATUS_CHANGED');
      expect(runEvents.filter((event) => event.payload.to === 'failed')).toHaveLength(1);
    });
  });
});
