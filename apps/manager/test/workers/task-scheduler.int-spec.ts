import { taskIterationSkippedDataSchema } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskScheduler } from '../../src/scheduling/task-scheduler.service';
import { TaskRelease } from '../../src/tasks/task-release';
import { TaskEntity } from '../../src/tasks/task.entity';
import { WorkSignal } from '../../src/work/work-signal';
import type { TestZone } from '../api/agent-work.fixtures';
import type { ManualClock } from '../testing/manual-clock';
import type { TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { WorkerWorld } from './worker-world';

const at = (iso: string) => new Date(iso);

describe.each(testDatabaseKinds())('task scheduler on %s', (kind) => {
  let t: TestApp;
  let world: WorkerWorld;
  let clock: ManualClock;
  let scheduler: TaskScheduler;

  beforeAll(async () => {
    world = await WorkerWorld.start(kind, 200);
    ({ t, clock } = world);
    scheduler = t.app.get(TaskScheduler);
  });
  afterAll(() => t?.close());

  /** Polls (under a lease valid for the clock now) until the task has `runs` runs; the newest. */
  async function deliver(zone: TestZone, taskId: number, runs: number) {
    await world.refreshLease(zone);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const found = await world.runsOf(taskId);
      if (found.length >= runs) return found[runs - 1] as NonNullable<(typeof found)[number]>;
      await world.poll(zone);
    }
    throw new Error(`task ${taskId} never got ${runs} runs`);
  }

  async function complete(zone: TestZone, runId: number) {
    const response = await world.report(zone.primary, [world.item(runId, 'complete', { currentStep: 1 })]);
    expect(response.body.outcomes[0]).toMatchObject({ outcome: 'accepted' });
  }

  describe('due tasks', () => {
    it('releases a due scheduled task of a zone whose primary is not polling, and wakes its polls', async () => {
      const zone = await world.zoneWith(0);
      const schedule = new Date(clock.now().getTime() + 60_000);
      const task = await world.createTask({ zoneId: zone.zoneId, schedule: schedule.toISOString() });
      expect(task.status).toBe('scheduled');
      clock.advance(59_999);
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('scheduled');
      clock.advance(1);
      const woken = t.app.get(WorkSignal).wait(zone.zoneId, 5_000);
      await scheduler.pass();
      expect(await woken).toBe(true);
      expect(await world.task(task.id)).toMatchObject({ status: 'wait-polling', nextRunAt: schedule });
      expect(await world.statusEvents(task.id)).toEqual(['scheduled→wait-polling']);
    });

    it('leaves a task canceled meanwhile canceled', async () => {
      const zone = await world.zoneWith(0);
      const schedule = new Date(clock.now().getTime() + 1_000);
      const task = await world.createTask({ zoneId: zone.zoneId, schedule: schedule.toISOString() });
      expect((await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: world.operator })).status).toBe(
        200,
      );
      clock.advance(1_000);
      expect(await t.app.get(TaskRelease).release(task.id)).toBe('lost');
      expect((await world.task(task.id)).status).toBe('canceled');
    });

    it('completes an iteration between runs whose untilRun passed before its next tick', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({ zoneId: zone.zoneId, taskType: 'iteration', cron: '0 0 1 1 *' });
      const untilAt = new Date(clock.now().getTime() - 1);
      await t.dataSource.manager.update(
        TaskEntity,
        { id: task.id },
        { status: 'wait-iteration-schedule', untilAt },
      );
      await scheduler.pass();
      const done = await world.task(task.id);
      expect(done).toMatchObject({ status: 'complete', finishedAt: clock.now() });
      expect(await world.statusEvents(task.id)).toEqual(['wait-iteration-schedule→complete']);
    });
  });

  describe('overlap', () => {
    /** An every-minute iteration task whose first run is started; the clock at 10 s past its tick. */
    async function runningIteration(overlapPolicy: 'skip' | 'queue-one') {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '* * * * *',
        overlapPolicy,
      });
      const first = (await world.task(task.id)).nextRunAt as Date;
      clock.set(new Date(first.getTime() + 10_000));
      await scheduler.pass();
      const released = await world.task(task.id);
      // While the run is in flight, nextRunAt is the tick it owes next.
      expect(released).toMatchObject({
        status: 'wait-polling',
        nextRunAt: new Date(first.getTime() + 60_000),
      });
      const run = await deliver(zone, task.id, 1);
      await world.report(zone.primary, [world.item(run.id, 'started', { currentStep: 1 })]);
      return { zone, taskId: task.id, runId: run.id, owed: new Date(first.getTime() + 60_000) };
    }

    it('skips a tick that comes due while the run is still running, once, and records it', async () => {
      const { zone, taskId, runId, owed } = await runningIteration('skip');
      clock.set(new Date(owed.getTime() + 5_000));
      await scheduler.pass();
      await scheduler.pass();
      const next = new Date(owed.getTime() + 60_000);
      expect(await world.task(taskId)).toMatchObject({ status: 'started', nextRunAt: next });
      const skipped = await world.events(taskId, 'TASK_ITERATION_SKIPPED');
      expect(taskIterationSkippedDataSchema.parse(skipped[0]?.payload)).toEqual(skipped[0]?.payload);
      expect(skipped.map((event) => event.payload)).toEqual([
        {
          taskId,
          zoneId: zone.zoneId,
          status: 'started',
          skippedTickAt: owed.toISOString(),
          nextRunAt: next.toISOString(),
        },
      ]);
      clock.advance(10_000);
      await complete(zone, runId);
      expect(await world.task(taskId)).toMatchObject({ status: 'wait-iteration-schedule', nextRunAt: next });
      expect(await world.runsOf(taskId)).toHaveLength(1);
    });

    it('skips an overlapped tick even when no scheduler saw it: the finished run waits for the next tick', async () => {
      const { zone, taskId, runId, owed } = await runningIteration('skip');
      clock.set(new Date(owed.getTime() + 5_000));
      await complete(zone, runId);
      expect(await world.task(taskId)).toMatchObject({
        status: 'wait-iteration-schedule',
        nextRunAt: new Date(owed.getTime() + 60_000),
      });
    });

    it('with queue-one, runs one overlapped tick as soon as the run finishes', async () => {
      const { zone, taskId, runId, owed } = await runningIteration('queue-one');
      clock.set(new Date(owed.getTime() + 65_000));
      // Two ticks passed during the run; one is remembered (nextRunAt in the past), nothing skipped.
      await scheduler.pass();
      expect(await world.task(taskId)).toMatchObject({ status: 'started', nextRunAt: owed });
      expect(await world.events(taskId, 'TASK_ITERATION_SKIPPED')).toEqual([]);
      await complete(zone, runId);
      const task = await world.task(taskId);
      expect(task).toMatchObject({ status: 'wait-polling', nextRunAt: new Date(owed.getTime() + 120_000) });
      expect((await world.statusEvents(taskId)).slice(-2)).toEqual([
        'started→wait-iteration-schedule',
        'wait-iteration-schedule→wait-polling',
      ]);
      const second = await deliver(zone, taskId, 2);
      expect(second.status).toBe('hand-over');
      // Only one was queued: after this run, the task waits for the next tick.
      await complete(zone, second.id);
      expect((await world.task(taskId)).status).toBe('wait-iteration-schedule');
    });
  });

  describe('cron across daylight-saving changes', () => {
    it('runs a Europe/Berlin 30 2 * * * task once on 2026-03-29 (no 02:30 that day), at 03:00 CEST', async () => {
      clock.set(at('2026-03-27T12:00:00Z'));
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '30 2 * * *',
        timeZone: 'Europe/Berlin',
      });
      // 02:30 CET = 01:30 UTC.
      expect((await world.task(task.id)).nextRunAt).toEqual(at('2026-03-28T01:30:00Z'));
      clock.set(at('2026-03-28T01:30:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).nextRunAt).toEqual(at('2026-03-29T01:00:00Z'));
      const first = await deliver(zone, task.id, 1);
      clock.set(at('2026-03-28T01:31:00Z'));
      await complete(zone, first.id);
      expect(await world.task(task.id)).toMatchObject({
        status: 'wait-iteration-schedule',
        nextRunAt: at('2026-03-29T01:00:00Z'),
      });
      // 01:59:59 CET, just before the clocks jump to 03:00 CEST: not due.
      clock.set(at('2026-03-29T00:59:59Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-iteration-schedule');
      clock.set(at('2026-03-29T01:00:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-polling');
      const second = await deliver(zone, task.id, 2);
      expect(second.createdAt).toEqual(at('2026-03-29T01:00:00Z'));
      clock.set(at('2026-03-29T01:05:00Z'));
      await complete(zone, second.id);
      // The next day 02:30 exists again (CEST = UTC+2).
      expect(await world.task(task.id)).toMatchObject({
        status: 'wait-iteration-schedule',
        nextRunAt: at('2026-03-30T00:30:00Z'),
      });
      clock.set(at('2026-03-29T23:59:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-iteration-schedule');
      expect(await world.runsOf(task.id)).toHaveLength(2);
    });

    it('runs an America/New_York 30 1 * * * task once on 2026-11-01, when 01:30 happens twice', async () => {
      clock.set(at('2026-10-30T12:00:00Z'));
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '30 1 * * *',
        timeZone: 'America/New_York',
      });
      expect((await world.task(task.id)).nextRunAt).toEqual(at('2026-10-31T05:30:00Z'));
      // The first 01:30 of Nov 1 is EDT (05:30 UTC).
      await world.refreshLease(zone);
      await t.dataSource.manager.update(
        TaskEntity,
        { id: task.id },
        { nextRunAt: at('2026-11-01T05:30:00Z') },
      );
      clock.set(at('2026-11-01T05:30:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-polling');
      const run = await deliver(zone, task.id, 1);
      clock.set(at('2026-11-01T05:35:00Z'));
      await complete(zone, run.id);
      // Not the second 01:30 (EST, 06:30 UTC) of the same day: the next day's.
      expect(await world.task(task.id)).toMatchObject({
        status: 'wait-iteration-schedule',
        nextRunAt: at('2026-11-02T06:30:00Z'),
      });
      clock.set(at('2026-11-01T06:30:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-iteration-schedule');
      clock.set(at('2026-11-02T06:30:00Z'));
      await scheduler.pass();
      expect((await world.task(task.id)).status).toBe('wait-polling');
      expect((await world.task(task.id)).nextRunAt).toEqual(at('2026-11-03T06:30:00Z'));
      expect(await world.runsOf(task.id)).toHaveLength(1);
    });
  });
});
