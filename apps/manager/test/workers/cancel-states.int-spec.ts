import type { TaskStatus } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusItem, type TestZone, WorkWorld } from '../api/agent-work.fixtures';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const twoStepsWithRecover = [
  { seq: 1, commandName: 'a', commandType: 'inline', command: 'true' },
  { seq: 2, commandName: 'b', commandType: 'inline', command: 'true' },
  { seq: 3, commandName: 'undo', commandType: 'inline', command: 'true', isRecover: true },
];

/** How to bring a fresh task of the zone into each non-terminal status, and what a cancel makes of it. */
const CASES: { status: TaskStatus; canceledAs: 'canceled' | 'stopped' }[] = [
  { status: 'scheduled', canceledAs: 'canceled' },
  { status: 'wait-polling', canceledAs: 'canceled' },
  { status: 'hand-over', canceledAs: 'stopped' },
  { status: 'wait-exec', canceledAs: 'stopped' },
  { status: 'started', canceledAs: 'stopped' },
  { status: 'running', canceledAs: 'stopped' },
  { status: 'recovering', canceledAs: 'stopped' },
  { status: 'wait-iteration-schedule', canceledAs: 'canceled' },
];

describe.each(testDatabaseKinds())('cancel in every non-terminal status on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;

  beforeAll(async () => {
    t = await startTestApp(kind, { OUTPOST_AGENT_POLL_WAIT_MS: '200', OUTPOST_AGENT_LEASE_TTL_MS: '20000' });
    world = new WorkWorld(t, await t.tokenFor('operator'));
  });
  afterAll(() => t?.close());

  /** A task of the zone in `status`, reached the way the system gets there; its run, if delivered. */
  async function taskIn(
    zone: TestZone,
    status: TaskStatus,
  ): Promise<{ taskId: number; runId: number | null }> {
    const agentKey = zone.primary.row.agentKey;
    if (status === 'scheduled') {
      const schedule = new Date(Date.now() + 3_600_000).toISOString();
      return { taskId: (await world.createTask({ zoneId: zone.zoneId, schedule })).id, runId: null };
    }
    if (status === 'wait-polling') {
      // A target no agent of the zone has: stays waiting even across polls.
      return {
        taskId: (await world.createTask({ zoneId: zone.zoneId, agentKey: 'agt_elsewhere' })).id,
        runId: null,
      };
    }
    const iteration = status === 'wait-iteration-schedule';
    const task = await world.createTask({
      zoneId: zone.zoneId,
      agentKey,
      steps: twoStepsWithRecover,
      ...(iteration ? { taskType: 'iteration', cron: '* * * * * *' } : {}),
    });
    let runId: number | null = null;
    for (let attempt = 0; attempt < 5 && runId === null; attempt += 1) {
      await world.poll(zone);
      runId = (await world.runsOf(task.id))[0]?.id ?? null;
    }
    if (runId === null) throw new Error('not delivered');
    const reports: Record<string, unknown>[][] = [];
    if (status === 'wait-exec') reports.push([statusItem(runId, 'wait-exec')]);
    if (status === 'started') reports.push([statusItem(runId, 'started', { currentStep: 1 })]);
    if (status === 'running') reports.push([statusItem(runId, 'running', { currentStep: 2 })]);
    if (status === 'recovering')
      reports.push([statusItem(runId, 'recovering', { currentStep: 3, failedStep: 1 })]);
    if (iteration) reports.push([statusItem(runId, 'complete', { currentStep: 2 })]);
    for (const items of reports) expect((await world.report(zone.primary, items)).status).toBe(200);
    return { taskId: task.id, runId };
  }

  it.each(CASES)('cancels a $status task as $canceledAs, with its event', async ({ status, canceledAs }) => {
    const zone = await world.zoneWith(0);
    const { taskId, runId } = await taskIn(zone, status);
    expect((await world.task(taskId)).status).toBe(status);
    const response = await t.call('DELETE', `/api/v1/tasks/${taskId}`, { token: world.operator });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ status: canceledAs, finishedAt: expect.any(String) });
    const changes = await world.events(taskId, 'TASK_STATUS_CHANGED');
    expect(changes.at(-1)?.payload).toMatchObject({ from: status, to: canceledAs });
    const live = canceledAs === 'stopped' && runId !== null;
    // A delivered run is stopped by its agent: the cancel rides on the next poll and report replies.
    const poll = await world.poll(zone);
    expect(poll.body.cancels).toEqual(live ? [{ runId, agentKey: zone.primary.row.agentKey }] : []);
    expect(poll.body.assignments).toEqual([]);
    expect((await world.report(zone.primary, [])).body.cancels).toEqual(live ? [runId] : []);
    // Once is enough: a finished task is not cancelable again.
    const again = await t.call('DELETE', `/api/v1/tasks/${taskId}`, { token: world.operator });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('TASK_NOT_CANCELABLE');
  });
});
