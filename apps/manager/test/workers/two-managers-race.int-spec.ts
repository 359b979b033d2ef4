import { randomBytes } from 'node:crypto';
import { isTerminalTaskStatus, type TaskStatus } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskScheduler } from '../../src/scheduling/task-scheduler.service';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { TaskEntity } from '../../src/tasks/task.entity';
import { RunReaper } from '../../src/work/run-reaper';
import { statusItem, type TestZone, WorkWorld } from '../api/agent-work.fixtures';
import { startTestApp, type TestApp } from '../testing/test-app';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from '../testing/test-database';

/**
 * Two managers on one MariaDB database racing on the same tasks (what happens when a worker lock
 * lapses, or a cancel and a report arrive at different managers at once): every change is guarded
 * by the status read, so each task makes exactly one transition and writes one event.
 */
describe.runIf(testDatabaseKinds().includes('mariadb'))('two managers racing on mariadb', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let worldA: WorkWorld;
  let worldB: WorkWorld;

  beforeAll(async () => {
    database = await createTestDatabase('mariadb');
    await database.dataSource.destroy();
    const env = {
      OUTPOST_JWT_SECRET: randomBytes(36).toString('base64'),
      OUTPOST_AGENT_POLL_WAIT_MS: '200',
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
    };
    a = await startTestApp('mariadb', env, { databaseTarget: database.target });
    b = await startTestApp('mariadb', env, { databaseTarget: database.target });
    const operator = await a.tokenFor('operator');
    worldA = new WorkWorld(a, operator);
    worldB = new WorkWorld(b, operator);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  const changes = async (taskId: number) =>
    (await worldA.events(taskId, 'TASK_STATUS_CHANGED')).map(
      (event) => `${String(event.payload.from)}→${String(event.payload.to)}`,
    );

  /** `count` tasks of the zone delivered to its primary and reported started. */
  async function startedTasks(zone: TestZone, count: number): Promise<{ taskId: number; runId: number }[]> {
    const tasks: number[] = [];
    for (let index = 0; index < count; index += 1) {
      tasks.push((await worldA.createTask({ zoneId: zone.zoneId, agentKey: zone.primary.row.agentKey })).id);
    }
    await worldA.poll(zone);
    const started: { taskId: number; runId: number }[] = [];
    for (const taskId of tasks) {
      const [run] = await worldA.runsOf(taskId);
      if (!run) throw new Error(`task ${taskId} was not delivered`);
      started.push({ taskId, runId: run.id });
    }
    await worldA.report(
      zone.primary,
      started.map(({ runId }) => statusItem(runId, 'started', { currentStep: 1 })),
    );
    return started;
  }

  it('releases each due task once when both schedulers pass at the same time', async () => {
    const zone = await worldA.zoneWith(0);
    const schedule = new Date(Date.now() + 3_600_000).toISOString();
    const ids: number[] = [];
    for (let index = 0; index < 20; index += 1)
      ids.push((await worldA.createTask({ zoneId: zone.zoneId, schedule })).id);
    for (const id of ids) {
      await a.dataSource.manager.update(TaskEntity, { id }, { nextRunAt: new Date(Date.now() - 1_000) });
    }
    await Promise.all([a.app.get(TaskScheduler).pass(), b.app.get(TaskScheduler).pass()]);
    for (const id of ids) {
      expect((await worldA.task(id)).status).toBe('wait-polling');
      expect(await changes(id)).toEqual(['scheduled→wait-polling']);
    }
  });

  it('records a skipped iteration tick once when both schedulers see it', async () => {
    const zone = await worldA.zoneWith(0);
    const task = await worldA.createTask({
      zoneId: zone.zoneId,
      agentKey: zone.primary.row.agentKey,
      taskType: 'iteration',
      cron: '0 0 1 1 *',
    });
    await a.dataSource.manager.update(
      TaskEntity,
      { id: task.id },
      { status: 'running', nextRunAt: new Date(Date.now() - 1_000) },
    );
    await Promise.all([a.app.get(TaskScheduler).pass(), b.app.get(TaskScheduler).pass()]);
    expect(await worldA.events(task.id, 'TASK_ITERATION_SKIPPED')).toHaveLength(1);
  });

  it('ends each lost run once when both reapers pass at the same time', async () => {
    const zone = await worldA.zoneWith(0);
    const started = await startedTasks(zone, 10);
    const longAgo = new Date(Date.now() - 3_600_000);
    for (const { runId } of started) {
      await a.dataSource.manager.update(
        TaskRunEntity,
        { id: runId },
        { heartbeatAt: longAgo, updatedAt: longAgo },
      );
    }
    await Promise.all([a.app.get(RunReaper).reap(), b.app.get(RunReaper).reap()]);
    for (const { taskId, runId } of started) {
      expect((await worldA.task(taskId)).status).toBe('failed');
      expect((await changes(taskId)).filter((change) => change.endsWith('→failed'))).toEqual([
        'started→failed',
      ]);
      const runEvents = await worldA.events(taskId, 'TASK_RUN_STATUS_CHANGED');
      expect(
        runEvents.filter((event) => event.payload.runId === runId && event.payload.to === 'failed'),
      ).toHaveLength(1);
    }
  });

  it('lets exactly one of a cancel (on one manager) and a final report (on the other) finish each task', async () => {
    const zone = await worldA.zoneWith(0);
    const started = await startedTasks(zone, 10);
    const outcomes = await Promise.all(
      started.map(async ({ taskId, runId }) => {
        const [cancel] = await Promise.all([
          a.call('DELETE', `/api/v1/tasks/${taskId}`, { token: worldA.operator }),
          worldB.report(zone.primary, [statusItem(runId, 'complete', { currentStep: 1, result: 'done' })]),
        ]);
        return { taskId, cancelStatus: cancel.status };
      }),
    );
    for (const { taskId, cancelStatus } of outcomes) {
      const task = await worldA.task(taskId);
      const finishing = (await changes(taskId)).filter((change) =>
        isTerminalTaskStatus(change.split('→')[1] as TaskStatus),
      );
      expect(finishing).toHaveLength(1);
      if (cancelStatus === 200) {
        expect(task.status).toBe('stopped');
        expect(finishing).toEqual(['started→stopped']);
      } else {
        expect(cancelStatus).toBe(409);
        expect(task.status).toBe('complete');
        expect(finishing).toEqual(['started→complete']);
      }
    }
  });
});
