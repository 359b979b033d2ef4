import { taskCallbackDataSchema } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEntity } from '../../src/events/event.entity';
import { TaskTransitions } from '../../src/tasks/task-transitions';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { statusItem, type TestZone, WorkWorld } from '../api/agent-work.fixtures';

/** TASK_CALLBACK events follow each task's event filter (Klevr emitted one for every update). */
describe.each(testDatabaseKinds())('task event filters on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;
  let zone: TestZone;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_WORKERS: 'none',
      OUTPOST_AGENT_POLL_WAIT_MS: '300',
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
    });
    world = new WorkWorld(t, await t.tokenFor('operator'));
    zone = await world.zoneWith(0);
  });
  afterAll(() => t?.close());

  /** Runs a task on the primary through the agent API: wait-exec, started, running, then `end`. */
  async function runWithFilter(filter: string, end: 'complete' | 'failed' = 'complete'): Promise<number> {
    const task = await world.createTask({
      zoneId: zone.zoneId,
      agentKey: zone.primary.row.agentKey,
      eventHookSendingType: filter,
      steps: [
        { seq: 1, commandName: 'a', commandType: 'inline', command: 'true' },
        { seq: 2, commandName: 'b', commandType: 'inline', command: 'true' },
      ],
    });
    await world.poll(zone);
    const [run] = await world.runsOf(task.id);
    if (!run) throw new Error('the task was not delivered');
    const items = [
      statusItem(run.id, 'wait-exec'),
      statusItem(run.id, 'started', { currentStep: 1 }),
      statusItem(run.id, 'running', { currentStep: 2, result: 'half' }),
      end === 'complete'
        ? statusItem(run.id, 'complete', { currentStep: 2, result: 'done' })
        : statusItem(run.id, 'failed', { currentStep: 2, failedStep: 2, error: 'exit status 1' }),
    ];
    for (const item of items) {
      const response = await world.report(zone.primary, [item]);
      expect(response.body.outcomes[0].outcome).toBe('accepted');
    }
    expect((await world.task(task.id)).status).toBe(end);
    return task.id;
  }

  async function callbacksOf(taskId: number) {
    return (await world.events(taskId, 'TASK_CALLBACK')).map((event) =>
      taskCallbackDataSchema.parse(event.payload),
    );
  }

  it('emits exactly one TASK_CALLBACK for a success-filtered task, when it completes', async () => {
    const taskId = await runWithFilter('success');
    expect((await world.events(taskId, 'TASK_STATUS_CHANGED')).length).toBe(5);
    expect(await callbacksOf(taskId)).toEqual([
      {
        taskId,
        zoneId: zone.zoneId,
        name: 'job',
        status: 'complete',
        result: 'done',
        currentStep: 2,
        failedStep: null,
        exeAgentKey: zone.primary.row.agentKey,
        complete: true,
        success: true,
        isCommandError: false,
      },
    ]);
  });

  it('emits none for a success-filtered task that fails, one for a failed-filtered one', async () => {
    expect(await callbacksOf(await runWithFilter('success', 'failed'))).toEqual([]);
    const failed = await callbacksOf(await runWithFilter('failed', 'failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      status: 'failed',
      failedStep: 2,
      complete: true,
      success: false,
      isCommandError: true,
    });
  });

  it('emits one per status change for all-statuses, in the same order as the changes', async () => {
    const taskId = await runWithFilter('all-statuses');
    const changes = (await world.events(taskId, 'TASK_STATUS_CHANGED')).map((event) => event.payload['to']);
    expect((await callbacksOf(taskId)).map((callback) => callback.status)).toEqual(changes);
    expect(changes).toEqual(['hand-over', 'wait-exec', 'started', 'running', 'complete']);
  });

  it('selects the first start and the end for both-ends, running and the end for each-steps', async () => {
    expect((await callbacksOf(await runWithFilter('both-ends'))).map((c) => c.status)).toEqual([
      'started',
      'complete',
    ]);
    expect((await callbacksOf(await runWithFilter('each-steps'))).map((c) => c.status)).toEqual([
      'running',
      'complete',
    ]);
    expect((await callbacksOf(await runWithFilter('conclusion-statuses'))).map((c) => c.status)).toEqual([
      'complete',
    ]);
  });

  it('emits for changed-result only when the result changed', async () => {
    // Through the agent API the task takes its run's result when the run ends.
    const viaAgent = await callbacksOf(await runWithFilter('changed-result'));
    expect(viaAgent.map((callback) => [callback.status, callback.result])).toEqual([['complete', 'done']]);
    // Driven directly: a change that sets the same result again emits nothing.
    const task = await world.createTask({ zoneId: zone.zoneId, eventHookSendingType: 'changed-result' });
    const transitions = t.app.get(TaskTransitions);
    await transitions.transition(task.id, 'hand-over', { changes: { result: 'a' } });
    await transitions.transition(task.id, 'wait-exec', { changes: { result: 'a' } });
    await transitions.transition(task.id, 'started');
    await transitions.transition(task.id, 'complete', { changes: { result: 'b' } });
    expect((await callbacksOf(task.id)).map((callback) => [callback.status, callback.result])).toEqual([
      ['hand-over', 'a'],
      ['complete', 'b'],
    ]);
  });

  it('emits one for a task canceled before delivery, right after its TASK_STATUS_CHANGED', async () => {
    const task = await world.createTask({
      zoneId: zone.zoneId,
      eventHookSendingType: 'conclusion-statuses',
      schedule: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await t.app.get(TaskTransitions).cancel(task.id);
    const events = await t.dataSource.manager.find(EventEntity, {
      where: { taskId: task.id },
      order: { id: 'ASC' },
    });
    expect(events.map((event) => event.type)).toEqual([
      'TASK_CREATED',
      'TASK_STATUS_CHANGED',
      'TASK_CALLBACK',
    ]);
    expect(await callbacksOf(task.id)).toEqual([
      expect.objectContaining({ status: 'canceled', complete: true, success: false, isCommandError: false }),
    ]);
  });
});
