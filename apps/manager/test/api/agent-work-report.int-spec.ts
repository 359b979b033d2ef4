import { nextCronRuns } from '@outpost/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { TaskLogChunkEntity } from '../../src/tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { TaskEntity } from '../../src/tasks/task.entity';
import { WorkRepository } from '../../src/work/work.repository';
import { WorkSignal } from '../../src/work/work-signal';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { logItem, sleep, statusItem, type TestAgent, type TestZone, WorkWorld } from './agent-work.fixtures';

// Long enough that "released well before the hold ends" holds on a loaded two-core machine.
const POLL_WAIT_MS = 2_000;

describe.each(testDatabaseKinds())('agent work: reports on %s', (kind) => {
  let t: TestApp;
  let world: WorkWorld;

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_AGENT_POLL_WAIT_MS: String(POLL_WAIT_MS),
      OUTPOST_AGENT_LEASE_TTL_MS: '20000',
    });
    world = new WorkWorld(t, await t.tokenFor('operator'));
  });
  afterAll(() => t?.close());
  afterEach(() => vi.restoreAllMocks());

  /** A task of the zone delivered to `agent` (the primary by default): its run id. */
  async function delivered(zone: TestZone, body: Record<string, unknown> = {}, agent?: TestAgent) {
    const target = agent ?? zone.primary;
    const task = await world.createTask({ zoneId: zone.zoneId, agentKey: target.row.agentKey, ...body });
    await world.poll(zone);
    const [run] = await world.runsOf(task.id);
    if (!run) throw new Error('the task was not delivered');
    return { taskId: task.id, runId: run.id, agent: target };
  }

  function outcomesOf(response: { body: { outcomes: { outcome: string; code?: string }[] } }) {
    return response.body.outcomes.map((outcome) =>
      outcome.code ? `${outcome.outcome}:${outcome.code}` : outcome.outcome,
    );
  }

  async function pollUntilDelivered(
    zone: TestZone,
    taskId: number,
    runs: number,
    tries = 8,
  ): Promise<TaskRunEntity[]> {
    for (let attempt = 0; attempt < tries; attempt += 1) {
      await world.poll(zone);
      const found = await world.runsOf(taskId);
      if (found.length >= runs) return found;
    }
    throw new Error(`task ${taskId} never got ${runs} runs`);
  }

  describe('status', () => {
    it('follows a run from wait-exec to complete, updating the task, its result and current step', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone, {
        steps: [
          { seq: 1, commandName: 'a', commandType: 'inline', command: 'true' },
          { seq: 2, commandName: 'b', commandType: 'inline', command: 'true' },
        ],
      });
      const statuses: string[] = [];
      const step = async (item: Record<string, unknown>) => {
        const response = await world.report(agent, [item]);
        expect(response.status).toBe(200);
        expect(outcomesOf(response)).toEqual(['accepted']);
        statuses.push((await world.task(taskId)).status);
      };
      await step(statusItem(runId, 'wait-exec'));
      await step(statusItem(runId, 'started', { currentStep: 1 }));
      await step(statusItem(runId, 'running', { currentStep: 2, result: 'half' }));
      await step(statusItem(runId, 'complete', { currentStep: 2, result: 'done' }));
      expect(statuses).toEqual(['wait-exec', 'started', 'running', 'complete']);
      const task = await world.task(taskId);
      expect(task).toMatchObject({
        result: 'done',
        currentStep: 2,
        failedStep: null,
        isFailedRecover: false,
      });
      expect(task.finishedAt).toBeInstanceOf(Date);
      const [run] = await world.runsOf(taskId);
      expect(run).toMatchObject({ status: 'complete', result: 'done', currentStep: 2 });
      expect(run?.startedAt).toBeInstanceOf(Date);
      expect(run?.finishedAt).toBeInstanceOf(Date);
      expect(
        (await world.events(taskId, 'TASK_RUN_STATUS_CHANGED')).map((event) => [
          event.payload.from,
          event.payload.to,
        ]),
      ).toEqual([
        [null, 'hand-over'],
        ['hand-over', 'wait-exec'],
        ['wait-exec', 'started'],
        ['started', 'running'],
        ['running', 'complete'],
      ]);
      const detail = await t.call('GET', `/api/v1/tasks/${taskId}`, { token: world.operator });
      expect(detail.body).toMatchObject({ status: 'complete', result: 'done', currentStep: 2 });
    });

    it('walks the task through the statuses an agent skipped', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone);
      const response = await world.report(agent, [
        statusItem(runId, 'complete', { currentStep: 1, result: 'ok' }),
      ]);
      expect(outcomesOf(response)).toEqual(['accepted']);
      expect((await world.events(taskId, 'TASK_STATUS_CHANGED')).map((event) => event.payload.to)).toEqual([
        'hand-over',
        'wait-exec',
        'started',
        'complete',
      ]);
    });

    it('records the step progress of a running task', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone);
      await world.report(agent, [
        statusItem(runId, 'running', { currentStep: 1 }),
        statusItem(runId, 'running', { currentStep: 2 }),
      ]);
      expect(await world.task(taskId)).toMatchObject({ status: 'running', currentStep: 2 });
    });

    it('ends in failed after the recover step ran, and in failed-recover when it failed itself', async () => {
      const zone = await world.zoneWith(0);
      const steps = [
        { seq: 1, commandName: 'work', commandType: 'inline', command: 'false' },
        { seq: 2, commandName: 'undo', commandType: 'inline', command: 'true', isRecover: true },
      ];
      const recovered = await delivered(zone, { steps });
      await world.report(recovered.agent, [
        statusItem(recovered.runId, 'started', { currentStep: 1 }),
        statusItem(recovered.runId, 'recovering', { currentStep: 2, failedStep: 1 }),
      ]);
      expect(await world.task(recovered.taskId)).toMatchObject({ status: 'recovering', failedStep: 1 });
      await world.report(recovered.agent, [
        statusItem(recovered.runId, 'failed', {
          currentStep: 2,
          failedStep: 1,
          result: 'rolled back',
          error: 'exit 1',
        }),
      ]);
      expect(await world.task(recovered.taskId)).toMatchObject({
        status: 'failed',
        failedStep: 1,
        isFailedRecover: false,
        result: 'rolled back',
      });
      expect((await world.runsOf(recovered.taskId))[0]).toMatchObject({
        status: 'failed',
        error: 'exit 1',
        failedStep: 1,
      });

      const broken = await delivered(zone, { steps });
      await world.report(broken.agent, [
        statusItem(broken.runId, 'started', { currentStep: 1 }),
        statusItem(broken.runId, 'recovering', { currentStep: 2, failedStep: 1 }),
        statusItem(broken.runId, 'failed-recover', { currentStep: 2, failedStep: 1 }),
      ]);
      const task = await world.task(broken.taskId);
      expect(task).toMatchObject({ status: 'failed-recover', failedStep: 1, isFailedRecover: true });
      expect(task.finishedAt).toBeInstanceOf(Date);
    });

    it('answers duplicate for a resent item or an older status, and changes nothing', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone);
      const started = statusItem(runId, 'started', { currentStep: 1 });
      const running = statusItem(runId, 'running', { currentStep: 2 });
      expect(outcomesOf(await world.report(agent, [started, running]))).toEqual(['accepted', 'accepted']);
      const eventsBefore = (await world.events(taskId, 'TASK_STATUS_CHANGED')).length;
      const again = await world.report(agent, [started, running, statusItem(runId, 'wait-exec')]);
      expect(outcomesOf(again)).toEqual(['duplicate', 'duplicate', 'duplicate']);
      expect(await world.task(taskId)).toMatchObject({ status: 'running', currentStep: 2 });
      expect(await world.events(taskId, 'TASK_STATUS_CHANGED')).toHaveLength(eventsBefore);
      const done = statusItem(runId, 'complete', { currentStep: 2 });
      expect(outcomesOf(await world.report(agent, [done]))).toEqual(['accepted']);
      expect(outcomesOf(await world.report(agent, [done, running]))).toEqual(['duplicate', 'duplicate']);
    });

    it('rejects another final status for a finished run, naming the run and the statuses', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone);
      await world.report(agent, [statusItem(runId, 'complete', { currentStep: 1, result: 'ok' })]);
      const late = await world.report(agent, [statusItem(runId, 'failed', { currentStep: 1 })]);
      expect(late.body.outcomes[0]).toMatchObject({ runId, outcome: 'rejected', code: 'INVALID_TRANSITION' });
      expect(late.body.outcomes[0].message).toContain(`Run ${runId}`);
      expect(late.body.outcomes[0].message).toContain('complete');
      expect(late.body.outcomes[0].message).toContain('failed');
      expect(await world.task(taskId)).toMatchObject({ status: 'complete', result: 'ok' });
    });

    it("takes the items after a bad one: unknown run, another agent's run, impossible transition", async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const mine = await delivered(zone);
      const finished = await delivered(zone);
      await world.report(zone.primary, [statusItem(finished.runId, 'complete', { currentStep: 1 })]);
      const theirs = await delivered(zone, {}, secondary);
      const response = await world.report(zone.primary, [
        statusItem(mine.runId, 'wait-exec'),
        statusItem(999_999, 'started'),
        statusItem(theirs.runId, 'started', { currentStep: 1 }),
        statusItem(finished.runId, 'failed', { currentStep: 1 }),
        logItem(mine.runId, 1, 'hello'),
        statusItem(mine.runId, 'started', { currentStep: 1 }),
      ]);
      expect(response.status).toBe(200);
      expect(outcomesOf(response)).toEqual([
        'accepted',
        'rejected:TASK_RUN_NOT_FOUND',
        'rejected:TASK_RUN_NOT_FOUND',
        'rejected:INVALID_TRANSITION',
        'accepted',
        'accepted',
      ]);
      expect((await world.task(mine.taskId)).status).toBe('started');
      expect((await world.runsOf(theirs.taskId))[0]?.status).toBe('hand-over');
      expect((await world.task(finished.taskId)).status).toBe('complete');
    });

    it('answers INTERNAL_ERROR without details for an item the database fails on, and goes on', async () => {
      const zone = await world.zoneWith(0);
      const { runId, agent, taskId } = await delivered(zone);
      vi.spyOn(WorkRepository.prototype, 'insertLogChunk').mockRejectedValueOnce(
        new Error('disk full at /var/lib/mysql'),
      );
      const response = await world.report(agent, [logItem(runId, 1, 'lost'), statusItem(runId, 'wait-exec')]);
      expect(response.status).toBe(200);
      expect(response.body.outcomes[0]).toMatchObject({ outcome: 'rejected', code: 'INTERNAL_ERROR' });
      expect(JSON.stringify(response.body)).not.toContain('disk');
      expect(response.body.outcomes[1].outcome).toBe('accepted');
      expect((await world.task(taskId)).status).toBe('wait-exec');
    });

    it("refuses another zone's agent and keeps the run as it was", async () => {
      const zone = await world.zoneWith(0);
      const { runId, taskId } = await delivered(zone);
      const other = await world.zoneWith(0);
      const response = await world.report(other.primary, [statusItem(runId, 'complete', { currentStep: 1 })]);
      expect(outcomesOf(response)).toEqual(['rejected:TASK_RUN_NOT_FOUND']);
      expect((await world.runsOf(taskId))[0]?.status).toBe('hand-over');
    });
  });

  describe('logs and heartbeats', () => {
    it('stores each log chunk once and serves them in seq order', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId, agent } = await delivered(zone);
      const response = await world.report(agent, [
        logItem(runId, 3, 'three'),
        logItem(runId, 1, 'one'),
        logItem(runId, 2, 'two'),
        logItem(runId, 1, 'one again'),
      ]);
      expect(outcomesOf(response)).toEqual(['accepted', 'accepted', 'accepted', 'duplicate']);
      expect(outcomesOf(await world.report(agent, [logItem(runId, 2, 'two')]))).toEqual(['duplicate']);
      const logs = await t.call('GET', `/api/v1/tasks/${taskId}/logs`, { token: world.operator });
      expect(
        logs.body.chunks.map((chunk: { seq: number; content: string }) => [chunk.seq, chunk.content]),
      ).toEqual([
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
      ]);
      expect(await t.dataSource.manager.countBy(TaskLogChunkEntity, { runId })).toBe(3);
    });

    it("records the heartbeat of the caller's own running runs, at most every few seconds", async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const mine = await delivered(zone);
      const theirs = await delivered(zone, {}, secondary);
      await world.report(
        zone.primary,
        [statusItem(mine.runId, 'started', { currentStep: 1 })],
        [mine.runId, theirs.runId],
      );
      const first = await t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: mine.runId });
      expect(first.heartbeatAt).toBeInstanceOf(Date);
      expect(
        (await t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: theirs.runId })).heartbeatAt,
      ).toBeNull();
      await sleep(20);
      await world.report(zone.primary, [], [mine.runId]);
      const second = await t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: mine.runId });
      expect(second.heartbeatAt?.getTime()).toBe(first.heartbeatAt?.getTime());
      // Its own agent's heartbeat is not held back by the primary naming the run first.
      await world.report(secondary, [], [theirs.runId]);
      expect(
        (await t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: theirs.runId })).heartbeatAt,
      ).toBeInstanceOf(Date);
    });

    it("updates the caller's lastSeenAt and answers with the lease and settings", async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const before = secondary.row.lastSeenAt?.getTime() ?? 0;
      await sleep(5);
      const response = await world.report(secondary, [], []);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        outcomes: [],
        cancels: [],
        lease: expect.objectContaining({ epoch: 1, holderAgentKey: zone.primary.row.agentKey }),
        settings: t.config.agentSettings,
      });
      const row = await t.dataSource.manager.findOneByOrFail(AgentEntity, { id: secondary.row.id });
      expect(row.lastSeenAt?.getTime()).toBeGreaterThan(before);
    });

    it('refuses a caller without an agent token with 401 and a bad body with 400, storing nothing', async () => {
      const zone = await world.zoneWith(0);
      const { runId } = await delivered(zone);
      const headers = { 'x-outpost-protocol': '1' };
      const body = { items: [logItem(runId, 1, 'x')], runningRunIds: [] };
      expect((await t.call('POST', '/agent/v1/report', { headers, body })).status).toBe(401);
      expect(
        (await t.call('POST', '/agent/v1/report', { headers, body, token: world.operator })).status,
      ).toBe(401);
      const bad = await world.agentCall('POST', '/agent/v1/report', zone.primary.token, {
        items: [{ ...logItem(runId, 0, 'x') }, { kind: 'shout', runId, seq: 2 }],
        runningRunIds: 'all',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(await t.dataSource.manager.countBy(TaskLogChunkEntity, { runId })).toBe(0);
    });
  });

  describe('cancel after delivery', () => {
    it('stops a running task at once; its agent gets the cancel on poll and report, then its stopped report is taken', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const { taskId, runId } = await delivered(zone, {}, secondary);
      await world.report(secondary, [
        statusItem(runId, 'started', { currentStep: 1 }),
        statusItem(runId, 'running', { currentStep: 1 }),
      ]);
      // The primary is holding its poll when the cancel comes: the cancel wakes it.
      const polling = world.poll(zone);
      const signal = t.app.get(WorkSignal);
      for (let tries = 0; tries < 100 && signal.waiting(zone.zoneId) === 0; tries += 1) await sleep(10);
      const canceledAt = Date.now();
      const cancel = await t.call('DELETE', `/api/v1/tasks/${taskId}`, { token: world.operator });
      expect(cancel.status).toBe(200);
      expect(cancel.body).toMatchObject({ status: 'stopped', finishedAt: expect.any(String) });
      const poll = await polling;
      expect(Date.now() - canceledAt).toBeLessThan(POLL_WAIT_MS / 2);
      expect(poll.body.cancels).toEqual([{ runId, agentKey: secondary.row.agentKey }]);
      expect(poll.body.assignments).toEqual([]);
      const report = await world.report(secondary, []);
      expect(report.body.cancels).toEqual([runId]);
      expect((await world.report(zone.primary, [])).body.cancels).toEqual([]);
      const stopped = await world.report(secondary, [statusItem(runId, 'stopped', { currentStep: 1 })]);
      expect(outcomesOf(stopped)).toEqual(['accepted']);
      expect(stopped.body.cancels).toEqual([]);
      expect((await world.runsOf(taskId))[0]).toMatchObject({ status: 'stopped' });
      expect(await world.task(taskId)).toMatchObject({ status: 'stopped' });
      expect((await world.poll(zone)).body.cancels).toEqual([]);
      // A late final report of the stopped run is refused.
      const late = await world.report(secondary, [statusItem(runId, 'complete', { currentStep: 1 })]);
      expect(outcomesOf(late)).toEqual(['rejected:INVALID_TRANSITION']);
    });

    it('stops a handed-over task and no longer redelivers its run', async () => {
      const zone = await world.zoneWith(0);
      const { taskId, runId } = await delivered(zone);
      expect((await t.call('DELETE', `/inner/tasks/${taskId}`, { token: world.operator })).body.status).toBe(
        'stopped',
      );
      const poll = await world.poll(zone);
      expect(poll.body.assignments).toEqual([]);
      expect(poll.body.cancels).toEqual([{ runId, agentKey: zone.primary.row.agentKey }]);
      const again = await t.call('DELETE', `/api/v1/tasks/${taskId}`, { token: world.operator });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('TASK_NOT_CANCELABLE');
    });
  });

  describe('iterations and retries', () => {
    it('sends a completed iteration to the next cron tick in its time zone', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '0 0 * * *',
        timeZone: 'Asia/Seoul',
      });
      // Due at the next midnight in Seoul; make it due now, as the clock would.
      await t.dataSource.manager.update(
        TaskEntity,
        { id: task.id },
        { nextRunAt: new Date(Date.now() - 1000) },
      );
      const [run] = await pollUntilDelivered(zone, task.id, 1);
      const before = new Date();
      await world.report(zone.primary, [
        statusItem(run?.id ?? 0, 'started', { currentStep: 1 }),
        statusItem(run?.id ?? 0, 'complete', { currentStep: 1, result: 'tick' }),
      ]);
      const [expected] = nextCronRuns('0 0 * * *', 'Asia/Seoul', 1, before);
      expect(await world.task(task.id)).toMatchObject({
        status: 'wait-iteration-schedule',
        nextRunAt: expected,
        result: 'tick',
        finishedAt: null,
      });
      expect(expected?.getUTCHours()).toBe(15);
    });

    it('delivers the next iteration once it is due, as a new run', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '* * * * * *',
      });
      const [first] = await pollUntilDelivered(zone, task.id, 1);
      await world.report(zone.primary, [statusItem(first?.id ?? 0, 'complete', { currentStep: 1 })]);
      const waiting = await world.task(task.id);
      expect(waiting.status).toBe('wait-iteration-schedule');
      expect(waiting.nextRunAt?.getTime()).toBeGreaterThan(Date.now() - 1000);
      const runs = await pollUntilDelivered(zone, task.id, 2);
      expect(runs.map((run) => [run.status, run.attempt])).toEqual([
        ['complete', 1],
        ['hand-over', 1],
      ]);
      expect((await world.task(task.id)).status).toBe('hand-over');
    });

    it('completes an iteration whose next tick is after untilRun', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        taskType: 'iteration',
        cron: '* * * * * *',
        untilRun: new Date(Date.now() + 60_000).toISOString(),
      });
      const [run] = await pollUntilDelivered(zone, task.id, 1);
      await t.dataSource.manager.update(TaskEntity, { id: task.id }, { untilAt: new Date(Date.now() - 1) });
      await world.report(zone.primary, [statusItem(run?.id ?? 0, 'complete', { currentStep: 1 })]);
      expect((await world.task(task.id)).status).toBe('complete');
    });

    it('retries a failed run after the backoff, then fails for good when retries run out', async () => {
      const zone = await world.zoneWith(0);
      const task = await world.createTask({
        zoneId: zone.zoneId,
        agentKey: zone.primary.row.agentKey,
        maxRetries: 1,
        retryBackoffSeconds: 1,
      });
      const [first] = await pollUntilDelivered(zone, task.id, 1);
      const failedAt = Date.now();
      await world.report(zone.primary, [
        statusItem(first?.id ?? 0, 'failed', { currentStep: 1, failedStep: 1 }),
      ]);
      const retrying = await world.task(task.id);
      expect(retrying).toMatchObject({ status: 'scheduled', attempt: 1, finishedAt: null });
      expect(retrying.nextRunAt?.getTime()).toBeGreaterThanOrEqual(failedAt + 900);
      expect(retrying.nextRunAt?.getTime()).toBeLessThan(Date.now() + 1100);
      // Not before the backoff.
      await world.poll(zone);
      if (Date.now() < (retrying.nextRunAt?.getTime() ?? 0))
        expect(await world.runsOf(task.id)).toHaveLength(1);
      const runs = await pollUntilDelivered(zone, task.id, 2);
      expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
      await world.report(zone.primary, [statusItem(runs[1]?.id ?? 0, 'timeout', { currentStep: 1 })]);
      const final = await world.task(task.id);
      expect(final).toMatchObject({ status: 'timeout', attempt: 1 });
      expect(final.finishedAt).toBeInstanceOf(Date);
    });
  });

  describe('multi-run tasks', () => {
    it('starts with the first run and completes when all did, with every result by agent', async () => {
      const zone = await world.zoneWith(1);
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({ zoneId: zone.zoneId, target: { kind: 'all' } });
      await world.poll(zone);
      const runs = await world.runsOf(task.id);
      const runOf = (agent: TestAgent) => runs.find((run) => run.agentId === agent.row.id)?.id ?? 0;
      await world.report(zone.primary, [statusItem(runOf(zone.primary), 'started', { currentStep: 1 })]);
      expect((await world.task(task.id)).status).toBe('started');
      await world.report(zone.primary, [
        statusItem(runOf(zone.primary), 'complete', { currentStep: 1, result: 'p' }),
      ]);
      expect((await world.task(task.id)).status).toBe('started');
      await world.report(secondary, [
        statusItem(runOf(secondary), 'complete', { currentStep: 1, result: 's' }),
      ]);
      const done = await world.task(task.id);
      expect(done.status).toBe('complete');
      expect(JSON.parse(done.result ?? '')).toEqual({
        [zone.primary.row.agentKey]: 'p',
        [secondary.row.agentKey]: 's',
      });
    });

    it('finishes exactly once when its runs finish at the same moment', async () => {
      const zone = await world.zoneWith(2);
      const task = await world.createTask({ zoneId: zone.zoneId, target: { kind: 'all' } });
      await world.poll(zone);
      const runs = await world.runsOf(task.id);
      expect(runs).toHaveLength(3);
      const agents = [zone.primary, ...zone.secondaries];
      const responses = await Promise.all(
        agents.map((agent) => {
          const runId = runs.find((run) => run.agentId === agent.row.id)?.id ?? 0;
          return world.report(agent, [
            statusItem(runId, 'complete', { currentStep: 1, result: agent.row.agentKey }),
          ]);
        }),
      );
      expect(responses.map((response) => outcomesOf(response))).toEqual([
        ['accepted'],
        ['accepted'],
        ['accepted'],
      ]);
      const done = await world.task(task.id);
      expect(done.status).toBe('complete');
      expect(Object.keys(JSON.parse(done.result ?? '{}')).sort()).toEqual(
        agents.map((agent) => agent.row.agentKey).sort(),
      );
      const finals = (await world.events(task.id, 'TASK_STATUS_CHANGED')).filter(
        (event) => event.payload.to === 'complete',
      );
      expect(finals).toHaveLength(1);
    });

    it('fails when any run failed, once all are finished', async () => {
      const zone = await world.zoneWith(1, {
        primary: { labels: { role: 'web' } },
        secondaries: [{ labels: { role: 'web' } }],
      });
      const secondary = zone.secondaries[0];
      if (!secondary) throw new Error('no secondary');
      const task = await world.createTask({
        zoneId: zone.zoneId,
        target: { kind: 'labels', labels: { role: 'web' } },
      });
      await world.poll(zone);
      const runs = await world.runsOf(task.id);
      const runOf = (agent: TestAgent) => runs.find((run) => run.agentId === agent.row.id)?.id ?? 0;
      await world.report(secondary, [
        statusItem(runOf(secondary), 'failed', { currentStep: 1, failedStep: 1, result: 'bad' }),
      ]);
      // Not finished while another run is still out.
      expect((await world.task(task.id)).status).toBe('started');
      await world.report(zone.primary, [
        statusItem(runOf(zone.primary), 'complete', { currentStep: 1, result: 'good' }),
      ]);
      const done = await world.task(task.id);
      expect(done).toMatchObject({ status: 'failed', failedStep: 1 });
      expect(JSON.parse(done.result ?? '')).toEqual({
        [zone.primary.row.agentKey]: 'good',
        [secondary.row.agentKey]: 'bad',
      });
    });
  });
});
