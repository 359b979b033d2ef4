import type { CreateTaskRequest, TaskStatus, TaskTarget } from '@outpost/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import type { Principal } from '../../src/common/auth/principal';
import { Clock } from '../../src/common/clock/clock';
import { EventEntity } from '../../src/events/event.entity';
import { TaskEventsWriter } from '../../src/tasks/task-events.writer';
import { TaskLogChunkEntity } from '../../src/tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { TaskStepEntity } from '../../src/tasks/task-step.entity';
import { TaskTransitions } from '../../src/tasks/task-transitions';
import { TaskEntity } from '../../src/tasks/task.entity';
import { TasksRepository } from '../../src/tasks/tasks.repository';
import { TasksService } from '../../src/tasks/tasks.service';
import { UserEntity } from '../../src/users/user.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';

const inlineStep = { seq: 1, commandName: 'hello', commandType: 'inline', command: 'echo hello' };

/** A task exactly as Klevr's console and DTO send it: zero values, server-owned fields and all. */
function klevrTask(zoneId: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 0,
    zoneId,
    name: 'klevr-job',
    taskType: 'atOnce',
    schedule: null,
    agentKey: '',
    exeAgentKey: '',
    status: 'complete',
    cron: '',
    untilRun: null,
    timeout: 0,
    exeAgentChangeable: true,
    totalStepCount: 9,
    currentStep: 3,
    hasRecover: true,
    parameter: '',
    callbackUrl: '',
    result: 'forged',
    failedStep: 0,
    isFailedRecover: false,
    showLog: true,
    log: '',
    eventHookSendingType: 'all-statues',
    isChangedResult: false,
    createdAt: null,
    updatedAt: null,
    steps: [{ id: 0, ...inlineStep, isRecover: false }],
    ...overrides,
  };
}

describe.each(testDatabaseKinds())('tasks API on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let viewer: string;
  let zoneA: number;
  let zoneB: number;
  const retiredKey = `retired-${kind}`;

  async function newZone(name: string): Promise<number> {
    const response = await t.call('POST', '/api/v1/zones', {
      token: operator,
      body: { name: `${name}-${kind}` },
    });
    expect(response.status).toBe(201);
    return response.body.id as number;
  }

  async function createTask(body: Record<string, unknown>, path = '/api/v1/tasks') {
    return t.call('POST', path, { token: operator, body });
  }

  async function created(body: Record<string, unknown>): Promise<{ id: number; [key: string]: unknown }> {
    const response = await createTask(body);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  async function stored(): Promise<{ tasks: number; steps: number; events: number }> {
    const manager = t.dataSource.manager;
    return {
      tasks: await manager.count(TaskEntity),
      steps: await manager.count(TaskStepEntity),
      events: await manager.count(EventEntity),
    };
  }

  async function setStatus(taskId: number, status: TaskStatus): Promise<void> {
    await t.dataSource.manager.update(TaskEntity, { id: taskId }, { status });
  }

  async function insertRun(
    taskId: number,
    zoneId: number,
    createdAt: Date,
    agentKey = 'agent-run',
  ): Promise<TaskRunEntity> {
    const manager = t.dataSource.manager;
    return manager.save(
      TaskRunEntity,
      manager.create(TaskRunEntity, {
        taskId,
        zoneId,
        agentId: null,
        agentKey,
        attempt: 1,
        status: 'complete',
        leaseEpoch: 1,
        currentStep: 1,
        failedStep: null,
        result: 'ok',
        error: null,
        startedAt: createdAt,
        finishedAt: createdAt,
        heartbeatAt: null,
        createdAt,
        updatedAt: createdAt,
      }),
    );
  }

  async function insertChunks(run: TaskRunEntity, seqs: number[]): Promise<void> {
    await t.dataSource.manager.insert(
      TaskLogChunkEntity,
      seqs.map((seq) => ({
        runId: run.id,
        taskId: run.taskId,
        seq,
        stepSeq: 1,
        stream: 'stdout' as const,
        content: `run ${run.id} line ${seq}\n`,
        createdAt: new Date(),
      })),
    );
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    operator = await t.tokenFor('operator');
    viewer = await t.tokenFor('viewer');
    zoneA = await newZone('tasks-a');
    zoneB = await newZone('tasks-b');
    const now = new Date();
    await t.dataSource.manager.insert(AgentEntity, {
      zoneId: zoneA,
      agentKey: retiredKey,
      credentialHash: 'a'.repeat(64),
      hostname: 'old-host',
      ips: ['10.0.0.9'],
      lanPort: 18800,
      version: '0.1.0',
      platform: 'linux',
      labels: {},
      cpuCores: 2,
      memoryMb: null,
      diskMb: null,
      freeMemoryMb: null,
      freeDiskMb: null,
      runningTasks: 0,
      state: 'retired',
      lastSeenAt: now,
      joinedAt: now,
      retiredAt: now,
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(() => t?.close());
  afterEach(() => vi.restoreAllMocks());

  describe('creation', () => {
    it("creates Klevr's task JSON verbatim and derives what Klevr trusted from the client", async () => {
      const response = await createTask(klevrTask(zoneA), '/inner/tasks');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        zoneId: zoneA,
        name: 'klevr-job',
        taskType: 'atOnce',
        status: 'wait-polling',
        target: { kind: 'any' },
        agentKey: '',
        exeAgentKey: null,
        exeAgentChangeable: true,
        totalStepCount: 1,
        currentStep: 0,
        hasRecover: false,
        result: null,
        callbackUrl: null,
        eventHookSendingType: 'all-statuses',
        schedule: null,
        nextRunAt: null,
        finishedAt: null,
        runs: [],
      });
      expect(response.body.steps).toEqual([{ id: expect.any(Number), ...inlineStep, isRecover: false }]);
      const row = await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: response.body.id });
      const creator = await t.dataSource.manager.findOneByOrFail(UserEntity, {
        id: row.createdByUserId ?? -1,
      });
      expect(creator.role).toBe('operator');
    });

    it('pins a Klevr task to its agentKey when exeAgentChangeable is false', async () => {
      const body = await created(klevrTask(zoneA, { agentKey: 'host-7', exeAgentChangeable: false }));
      expect(body).toMatchObject({
        target: { kind: 'agent', agentKey: 'host-7' },
        agentKey: 'host-7',
        exeAgentChangeable: false,
      });
    });

    const targets: [TaskTarget, Partial<TaskEntity>, string][] = [
      [
        { kind: 'any' },
        { targetKind: 'any', targetAgentKey: null, targetLabels: null, exeAgentChangeable: true },
        '',
      ],
      [
        { kind: 'agent', agentKey: 'not-joined-yet' },
        { targetKind: 'agent', targetAgentKey: 'not-joined-yet', exeAgentChangeable: false },
        'not-joined-yet',
      ],
      [{ kind: 'all' }, { targetKind: 'all', targetAgentKey: null, exeAgentChangeable: false }, ''],
      [
        { kind: 'labels', labels: { env: 'prod', rack: 'r1' } },
        { targetKind: 'labels', targetLabels: { env: 'prod', rack: 'r1' }, exeAgentChangeable: false },
        '',
      ],
    ];
    it.each(targets)('stores an explicit %j target', async (target, columns, agentKey) => {
      const body = await created({ zoneId: zoneA, name: 'targeted', target, steps: [inlineStep] });
      expect(body.target).toEqual(target);
      expect(body.agentKey).toBe(agentKey);
      expect(await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: body.id })).toMatchObject(columns);
    });

    it('counts only regular steps, derives hasRecover from the steps and sorts them by seq', async () => {
      const body = await created({
        zoneId: zoneA,
        name: 'with-recover',
        hasRecover: false,
        totalStepCount: 1,
        steps: [
          {
            seq: 3,
            commandName: 'cleanup',
            commandType: 'inline',
            command: 'rm -rf /tmp/x',
            isRecover: true,
          },
          { seq: 2, commandName: 'second', commandType: 'inline', command: 'echo 2' },
          { seq: 1, commandName: 'stop', commandType: 'reserved', command: 'StopTask' },
        ],
        parameter: { targetTaskId: 12 },
      });
      expect(body).toMatchObject({ totalStepCount: 2, hasRecover: true, parameter: '{"targetTaskId":12}' });
      expect((body.steps as { seq: number }[]).map((step) => step.seq)).toEqual([1, 2, 3]);
    });

    it('answers the create with the task exactly as a later read of it answers', async () => {
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const body = await created({
        zoneId: zoneA,
        name: 'answer-equals-read ✓ 한글',
        taskType: 'iteration',
        cron: '*/5 * * * *',
        timeZone: 'asia/seoul',
        schedule: future,
        untilRun: '2099-01-01T00:00:00.000Z',
        target: { kind: 'labels', labels: { env: 'prod', rack: 'r1' } },
        exeAgentChangeable: false,
        timeout: 30,
        maxRetries: 2,
        retryBackoffSeconds: 5,
        overlapPolicy: 'queue-one',
        callbackUrl: 'https://hooks.example.com/created',
        eventHookSendingType: 'conclusion-statuses',
        showLog: false,
        parameter: { a: [1, 'two'], nested: { ok: true } },
        steps: [
          { seq: 3, commandName: 'undo', commandType: 'inline', command: 'echo undo', isRecover: true },
          { seq: 2, commandName: 'second', commandType: 'inline', command: 'echo 2' },
          { seq: 1, commandName: 'first', commandType: 'inline', command: 'echo 1' },
        ],
      });
      const { callbackSecret, ...answer } = body;
      expect(callbackSecret).toEqual(expect.any(String));
      expect(answer).toMatchObject({ timeZone: 'Asia/Seoul', status: 'scheduled', runs: [] });
      expect(
        (answer.steps as { id: number }[]).every((step) => Number.isInteger(step.id) && step.id > 0),
      ).toBe(true);
      const read = await t.call('GET', `/api/v1/tasks/${body.id}`, { token: operator });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(answer);
    });

    it('keeps a task scheduled in the future as scheduled, and runs a past schedule now', async () => {
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const later = await created({ zoneId: zoneA, name: 'later', schedule: future, steps: [inlineStep] });
      expect(later).toMatchObject({ status: 'scheduled', schedule: future, nextRunAt: future });
      const past = new Date(Date.now() - 86_400_000).toISOString();
      expect(
        await created({ zoneId: zoneA, name: 'overdue', schedule: past, steps: [inlineStep] }),
      ).toMatchObject({ status: 'wait-polling', schedule: past });
    });

    it('schedules an iteration task at its first cron tick in its time zone', async () => {
      // A fixed "now" the day before New York switches to summer time: 09:00 EDT is 13:00Z.
      vi.spyOn(t.app.get(Clock), 'now').mockReturnValue(new Date('2030-03-09T15:00:00.000Z'));
      const body = await created({
        zoneId: zoneA,
        name: 'daily',
        taskType: 'iteration',
        cron: '0 9 * * *',
        timeZone: 'America/New_York',
        overlapPolicy: 'queue-one',
        untilRun: '2030-12-31T00:00:00.000Z',
        steps: [inlineStep],
      });
      expect(body).toMatchObject({
        status: 'scheduled',
        cron: '0 9 * * *',
        timeZone: 'America/New_York',
        nextRunAt: '2030-03-10T13:00:00.000Z',
        schedule: '2030-03-10T13:00:00.000Z',
        untilRun: '2030-12-31T00:00:00.000Z',
        overlapPolicy: 'queue-one',
        createdAt: '2030-03-09T15:00:00.000Z',
      });
    });

    it('starts an iteration task no earlier than its schedule', async () => {
      vi.spyOn(t.app.get(Clock), 'now').mockReturnValue(new Date('2030-03-09T15:00:00.000Z'));
      const body = await created({
        zoneId: zoneA,
        name: 'from-april',
        taskType: 'iteration',
        cron: '0 9 * * *',
        timeZone: 'Asia/Seoul',
        schedule: '2030-04-01T05:00:00.000Z',
        steps: [inlineStep],
      });
      // 09:00 in Seoul is 00:00Z; the first tick after 2030-04-01T05:00Z is the next day's.
      expect(body).toMatchObject({
        status: 'scheduled',
        nextRunAt: '2030-04-02T00:00:00.000Z',
        schedule: '2030-04-02T00:00:00.000Z',
      });
    });

    it('writes the TASK_CREATED event with the task', async () => {
      const body = await created({ zoneId: zoneB, name: 'evented', steps: [inlineStep] });
      const events = await t.dataSource.manager.findBy(EventEntity, { taskId: body.id });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'TASK_CREATED',
        schemaVersion: 1,
        zoneId: zoneB,
        taskId: body.id,
        agentId: null,
        publishedAt: null,
        payload: { taskId: body.id, zoneId: zoneB, name: 'evented', status: 'wait-polling' },
      });
      expect(events[0]?.occurredAt.toISOString()).toBe(body.createdAt);
    });

    it('stores nothing when writing the event fails', async () => {
      const before = await stored();
      vi.spyOn(t.app.get(TaskEventsWriter), 'taskCreated').mockRejectedValueOnce(
        new Error('outbox unavailable'),
      );
      const response = await createTask({ zoneId: zoneA, name: 'doomed', steps: [inlineStep] });
      expect(response.status).toBe(500);
      expect(await stored()).toEqual(before);
    });

    it('stores neither task nor steps when a step cannot be stored', async () => {
      const before = await stored();
      // Bypasses request validation to reach the database's unique (task_id, seq) constraint.
      const request: CreateTaskRequest = {
        zoneId: zoneA,
        name: 'half',
        taskType: 'atOnce',
        timeZone: 'UTC',
        overlapPolicy: 'skip',
        timeout: 0,
        maxRetries: 0,
        retryBackoffSeconds: 10,
        parameter: '',
        showLog: true,
        eventHookSendingType: 'all-statuses',
        target: { kind: 'any' },
        targetSource: 'default',
        steps: [
          { ...inlineStep, commandType: 'inline', isRecover: false },
          { ...inlineStep, commandType: 'inline', isRecover: false },
        ],
      };
      const principal: Principal = { userId: 1, username: 'x', role: 'operator', via: 'session' };
      await expect(t.app.get(TasksService).create(request, principal)).rejects.toThrow();
      expect(await stored()).toEqual(before);
    });

    it('answers 404 ZONE_NOT_FOUND for an unknown zone and stores nothing', async () => {
      const before = await stored();
      const response = await createTask({ zoneId: 999_999, name: 'nowhere', steps: [inlineStep] });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('ZONE_NOT_FOUND');
      expect(await stored()).toEqual(before);
    });

    it('refuses a target agent this zone has retired, naming the field used', async () => {
      const before = await stored();
      const byTarget = await createTask({
        zoneId: zoneA,
        name: 'r',
        target: { kind: 'agent', agentKey: retiredKey },
        steps: [inlineStep],
      });
      expect(byTarget.status).toBe(400);
      expect(byTarget.body.code).toBe('VALIDATION_FAILED');
      expect(byTarget.body.details).toEqual([
        { path: 'body.target.agentKey', message: expect.stringContaining('retired') },
      ]);
      const byAgentKey = await createTask(
        klevrTask(zoneA, { agentKey: retiredKey, exeAgentChangeable: false }),
      );
      expect(byAgentKey.status).toBe(400);
      expect(byAgentKey.body.details[0].path).toBe('body.agentKey');
      expect(await stored()).toEqual(before);
    });

    it("does not look at another zone's agents when checking the target", async () => {
      const body = await created({
        zoneId: zoneB,
        name: 'elsewhere',
        target: { kind: 'agent', agentKey: retiredKey },
        steps: [inlineStep],
      });
      expect(body.status).toBe('wait-polling');
    });

    const invalid: [string, (zoneId: number) => unknown, string][] = [
      ['no steps', (z) => ({ zoneId: z, name: 'x', steps: [] }), 'body.steps'],
      [
        'a duplicate seq',
        (z) => ({ zoneId: z, name: 'x', steps: [inlineStep, { ...inlineStep, commandName: 'again' }] }),
        'body.steps.1.seq',
      ],
      [
        'two recover steps',
        (z) => ({
          zoneId: z,
          name: 'x',
          steps: [
            inlineStep,
            { ...inlineStep, seq: 2, isRecover: true },
            { ...inlineStep, seq: 3, isRecover: true },
          ],
        }),
        'body.steps',
      ],
      [
        'only a recover step',
        (z) => ({ zoneId: z, name: 'x', steps: [{ ...inlineStep, isRecover: true }] }),
        'body.steps',
      ],
      [
        'an unknown reserved command',
        (z) => ({
          zoneId: z,
          name: 'x',
          steps: [{ ...inlineStep, commandType: 'reserved', command: 'FormatDisk' }],
        }),
        'body.steps.0.command',
      ],
      [
        'StopTask without targetTaskId',
        (z) => ({
          zoneId: z,
          name: 'x',
          steps: [{ ...inlineStep, commandType: 'reserved', command: 'StopTask' }],
        }),
        'body.parameter',
      ],
      [
        'ChangeLogLevel with level loud',
        (z) => ({
          zoneId: z,
          name: 'x',
          parameter: { level: 'loud' },
          steps: [{ ...inlineStep, commandType: 'reserved', command: 'ChangeLogLevel' }],
        }),
        'body.parameter',
      ],
      [
        'an unknown command type',
        (z) => ({ zoneId: z, name: 'x', steps: [{ ...inlineStep, commandType: 'python' }] }),
        'body.steps.0.commandType',
      ],
      [
        'an iteration task without cron',
        (z) => ({ zoneId: z, name: 'x', taskType: 'iteration', steps: [inlineStep] }),
        'body.cron',
      ],
      [
        'an invalid cron',
        (z) => ({ zoneId: z, name: 'x', taskType: 'iteration', cron: '61 * * * *', steps: [inlineStep] }),
        'body.cron',
      ],
      [
        'a 7-field cron',
        (z) => ({
          zoneId: z,
          name: 'x',
          taskType: 'iteration',
          cron: '0 0 9 * * * 2030',
          steps: [inlineStep],
        }),
        'body.cron',
      ],
      [
        'a cron on an atOnce task',
        (z) => ({ zoneId: z, name: 'x', cron: '0 9 * * *', steps: [inlineStep] }),
        'body.cron',
      ],
      [
        'an unknown time zone',
        (z) => ({
          zoneId: z,
          name: 'x',
          taskType: 'iteration',
          cron: '0 9 * * *',
          timeZone: 'Mars/Olympus',
          steps: [inlineStep],
        }),
        'body.timeZone',
      ],
      [
        'an untilRun before the first run',
        (z) => ({
          zoneId: z,
          name: 'x',
          taskType: 'iteration',
          cron: '0 9 * * *',
          untilRun: '2001-01-01T00:00:00Z',
          steps: [inlineStep],
        }),
        'body.untilRun',
      ],
      [
        'a callbackUrl that is not http(s)',
        (z) => ({ zoneId: z, name: 'x', callbackUrl: 'file:///etc/passwd', steps: [inlineStep] }),
        'body.callbackUrl',
      ],
      [
        'a negative timeout',
        (z) => ({ zoneId: z, name: 'x', timeout: -5, steps: [inlineStep] }),
        'body.timeout',
      ],
      ['a string zoneId', () => ({ zoneId: 'abc', name: 'x', steps: [inlineStep] }), 'body.zoneId'],
      ['steps that are not a list', (z) => ({ zoneId: z, name: 'x', steps: 'echo hi' }), 'body.steps'],
      [
        'a string showLog',
        (z) => ({ zoneId: z, name: 'x', showLog: 'yes', steps: [inlineStep] }),
        'body.showLog',
      ],
      [
        'a non-ISO schedule',
        (z) => ({ zoneId: z, name: 'x', schedule: 'tomorrow', steps: [inlineStep] }),
        'body.schedule',
      ],
      [
        'an agentKey contradicting target',
        (z) => ({ zoneId: z, name: 'x', agentKey: 'a1', target: { kind: 'all' }, steps: [inlineStep] }),
        'body.agentKey',
      ],
      ['an empty name', (z) => ({ zoneId: z, name: '', steps: [inlineStep] }), 'body.name'],
      [
        'a name of 101 characters',
        (z) => ({ zoneId: z, name: 'n'.repeat(101), steps: [inlineStep] }),
        'body.name',
      ],
      ['a missing name', (z) => ({ zoneId: z, steps: [inlineStep] }), 'body.name'],
      [
        'a script over 64 KiB',
        (z) => ({ zoneId: z, name: 'x', steps: [{ ...inlineStep, command: 'x'.repeat(65_537) }] }),
        'body.steps.0.command',
      ],
      [
        'an unknown task type',
        (z) => ({ zoneId: z, name: 'x', taskType: 'forever', steps: [inlineStep] }),
        'body.taskType',
      ],
    ];
    it.each(invalid)(
      'refuses %s with 400 VALIDATION_FAILED and stores nothing',
      async (_label, body, path) => {
        const before = await stored();
        const response = await createTask(body(zoneA) as Record<string, unknown>);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
        expect(response.body.details.map((detail: { path: string }) => detail.path)).toContain(path);
        expect(await stored()).toEqual(before);
      },
    );

    it('does not create a Klevr task with an invalid cron (Klevr answered 400 but created it)', async () => {
      const before = await stored();
      const response = await createTask(
        klevrTask(zoneA, { taskType: 'iteration', cron: '61 * * * *' }),
        '/inner/tasks',
      );
      expect(response.status).toBe(400);
      expect(await stored()).toEqual(before);
      const listed = await t.call('GET', `/api/v1/tasks?zoneId=${zoneA}&taskType=iteration&name=klevr-job`, {
        token: viewer,
      });
      expect(listed.body.total).toBe(0);
    });

    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      const response = await t.call('POST', '/api/v1/tasks', {
        token: operator,
        rawBody: '{"zoneId": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('MALFORMED_JSON');
    });

    it('refuses a viewer with 403 and an anonymous caller with 401, storing nothing', async () => {
      const before = await stored();
      expect(
        (
          await t.call('POST', '/api/v1/tasks', {
            token: viewer,
            body: { zoneId: zoneA, name: 'v', steps: [inlineStep] },
          })
        ).status,
      ).toBe(403);
      expect(
        (await t.call('POST', '/inner/tasks', { body: { zoneId: zoneA, name: 'v', steps: [inlineStep] } }))
          .status,
      ).toBe(401);
      expect(await stored()).toEqual(before);
    });
  });

  describe('listing', () => {
    let zoneL1: number;
    let zoneL2: number;
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      zoneL1 = await newZone('list-1');
      zoneL2 = await newZone('list-2');
      const make = async (key: string, body: Record<string, unknown>, createdAt: string) => {
        const task = await created({ steps: [inlineStep], ...body });
        ids[key] = task.id;
        await t.dataSource.manager.update(TaskEntity, { id: task.id }, { createdAt: new Date(createdAt) });
      };
      await make(
        'backup',
        { zoneId: zoneL1, name: 'nightly backup 50%', target: { kind: 'agent', agentKey: 'db-1' } },
        '2030-01-01T00:00:00.000Z',
      );
      await make('backup500', { zoneId: zoneL1, name: 'nightly backup 500' }, '2030-01-02T00:00:00.000Z');
      await make(
        'report',
        { zoneId: zoneL1, name: 'Report', taskType: 'iteration', cron: '0 * * * *' },
        '2030-01-03T00:00:00.000Z',
      );
      await make(
        'deploy',
        { zoneId: zoneL2, name: 'deploy_web', target: { kind: 'agent', agentKey: 'web-1' } },
        '2030-01-04T00:00:00.000Z',
      );
      await make('ran', { zoneId: zoneL2, name: 'ran somewhere' }, '2030-01-05T00:00:00.000Z');
      await make(
        'cleanup',
        { zoneId: zoneL2, name: 'cleanup', taskType: 'longTerm' },
        '2030-01-06T00:00:00.000Z',
      );
      await t.dataSource.manager.update(
        TaskEntity,
        { id: ids['ran'] },
        { exeAgentKey: 'db-1', status: 'complete' },
      );
      await insertRun(ids['cleanup'] as number, zoneL2, new Date('2030-01-06T01:00:00Z'), 'web-2');
      await setStatus(ids['cleanup'] as number, 'running');
    });

    async function list(query: string): Promise<{ keys: string[]; body: any }> {
      const response = await t.call('GET', `/api/v1/tasks?${query}`, { token: viewer });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const byId = Object.fromEntries(Object.entries(ids).map(([key, id]) => [id, key]));
      return {
        keys: response.body.items.map((item: { id: number }) => byId[item.id] ?? `other-${item.id}`),
        body: response.body,
      };
    }

    const zones = () => `zoneId=${zoneL1}&zoneId=${zoneL2}`;

    it('lists newest first, with summaries only', async () => {
      const { keys, body } = await list(zones());
      expect(keys).toEqual(['cleanup', 'ran', 'deploy', 'report', 'backup500', 'backup']);
      expect(body.total).toBe(6);
      expect(body.items[0]).not.toHaveProperty('steps');
      expect(body.items[0]).not.toHaveProperty('runs');
      expect(body.items[0]).not.toHaveProperty('parameter');
    });

    it('filters by one zone, by repeated zones, and by Klevr groupID on /inner/tasks', async () => {
      expect((await list(`zoneId=${zoneL1}`)).keys).toEqual(['report', 'backup500', 'backup']);
      expect((await list(`zoneId=${zoneL1},${zoneL2}`)).body.total).toBe(6);
      const klevr = await t.call('GET', `/inner/tasks?groupID=${zoneL2}`, { token: viewer });
      expect(klevr.status).toBe(200);
      expect(klevr.body.items.map((item: { id: number }) => item.id)).toEqual([
        ids['cleanup'],
        ids['ran'],
        ids['deploy'],
      ]);
    });

    it('filters by status, alone and repeated', async () => {
      expect((await list(`${zones()}&status=running`)).keys).toEqual(['cleanup']);
      expect((await list(`${zones()}&status=complete&status=scheduled`)).keys).toEqual(['ran', 'report']);
    });

    it('filters by task type alone', async () => {
      expect((await list(`${zones()}&taskType=iteration`)).keys).toEqual(['report']);
      expect((await list(`${zones()}&taskType=longTerm`)).keys).toEqual(['cleanup']);
    });

    it('filters by agentKey alone: targeted at it or run by it (no status filter needed, unlike Klevr)', async () => {
      expect((await list(`${zones()}&agentKey=db-1`)).keys).toEqual(['ran', 'backup']);
      expect((await list(`${zones()}&agentKey=web-2`)).keys).toEqual(['cleanup']);
      expect((await list(`${zones()}&agentKey=nobody`)).keys).toEqual([]);
    });

    it('filters by name alone, as a literal substring', async () => {
      expect((await list(`${zones()}&name=backup`)).keys).toEqual(['backup500', 'backup']);
      expect((await list(`${zones()}&name=${encodeURIComponent('50%')}`)).keys).toEqual(['backup']);
      expect((await list(`${zones()}&name=y_w`)).keys).toEqual(['deploy']);
      expect((await list(`${zones()}&name=y_`)).keys).toEqual(['deploy']);
      expect((await list(`${zones()}&name=report`)).keys).toEqual(['report']);
    });

    it('filters by creation time', async () => {
      const from = encodeURIComponent('2030-01-02T00:00:00.000Z');
      const to = encodeURIComponent('2030-01-04T00:00:00.000Z');
      expect((await list(`${zones()}&createdFrom=${from}`)).keys).toEqual([
        'cleanup',
        'ran',
        'deploy',
        'report',
        'backup500',
      ]);
      expect((await list(`${zones()}&createdTo=${to}`)).keys).toEqual([
        'deploy',
        'report',
        'backup500',
        'backup',
      ]);
      expect((await list(`${zones()}&createdFrom=${from}&createdTo=${to}`)).keys).toEqual([
        'deploy',
        'report',
        'backup500',
      ]);
    });

    it('combines filters', async () => {
      expect((await list(`zoneId=${zoneL1}&agentKey=db-1&name=backup`)).keys).toEqual(['backup']);
      expect((await list(`zoneId=${zoneL2}&agentKey=db-1&status=complete`)).keys).toEqual(['ran']);
      expect((await list(`zoneId=${zoneL2}&agentKey=db-1&status=wait-polling`)).keys).toEqual([]);
      expect((await list(`${zones()}&taskType=atOnce&status=wait-polling&name=nightly`)).keys).toEqual([
        'backup500',
        'backup',
      ]);
      expect((await list(`zoneId=${zoneL1}&agentKey=web-1`)).keys).toEqual([]);
    });

    it('pages', async () => {
      const second = await list(`${zones()}&page=2&pageSize=4`);
      expect(second.keys).toEqual(['backup500', 'backup']);
      expect(second.body).toMatchObject({ total: 6, page: 2, pageSize: 4 });
      expect((await list(`${zones()}&page=3&pageSize=4`)).keys).toEqual([]);
    });

    it('answers 400 for malformed filters', async () => {
      for (const query of [
        'status=asleep',
        'zoneId=abc',
        'taskType=daily',
        'createdFrom=yesterday',
        'pageSize=0',
      ]) {
        const response = await t.call('GET', `/api/v1/tasks?${query}`, { token: viewer });
        expect(response.status, query).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
    });

    it('answers 401 without a token', async () => {
      expect((await t.call('GET', '/api/v1/tasks')).status).toBe(401);
      expect((await t.call('GET', '/inner/tasks')).status).toBe(401);
    });
  });

  describe('reading one task', () => {
    it('answers the detail with steps by seq and runs newest first, on both paths', async () => {
      const task = await created({
        zoneId: zoneB,
        name: 'detailed',
        callbackUrl: 'https://hooks.example.com/done',
        steps: [
          { ...inlineStep, seq: 2, commandName: 'b' },
          { ...inlineStep, seq: 1, commandName: 'a' },
        ],
      });
      const older = await insertRun(task.id, zoneB, new Date('2030-01-01T00:00:00Z'));
      const newer = await insertRun(task.id, zoneB, new Date('2030-01-02T00:00:00Z'));
      for (const path of [`/api/v1/tasks/${task.id}`, `/inner/tasks/${task.id}`]) {
        const response = await t.call('GET', path, { token: viewer });
        expect(response.status).toBe(200);
        expect(response.body.callbackUrl).toBe('https://hooks.example.com/done');
        expect(response.body.steps.map((step: { commandName: string }) => step.commandName)).toEqual([
          'a',
          'b',
        ]);
        expect(response.body.runs.map((run: { id: number }) => run.id)).toEqual([newer.id, older.id]);
        expect(response.body.runs[0]).toMatchObject({
          agentKey: 'agent-run',
          status: 'complete',
          result: 'ok',
          attempt: 1,
        });
      }
    });

    it('answers 404 TASK_NOT_FOUND for an unknown task and 400 for a malformed id', async () => {
      const missing = await t.call('GET', '/api/v1/tasks/999999', { token: viewer });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('TASK_NOT_FOUND');
      for (const id of ['abc', '-1', '0', '1.5']) {
        const bad = await t.call('GET', `/api/v1/tasks/${id}`, { token: viewer });
        expect(bad.status, id).toBe(400);
        expect(bad.body.details[0].path).toBe('params.taskId');
      }
    });

    it('answers 401 without a token', async () => {
      expect((await t.call('GET', '/api/v1/tasks/1')).status).toBe(401);
    });
  });

  describe('canceling', () => {
    async function statusEvents(taskId: number): Promise<EventEntity[]> {
      return t.dataSource.manager.find(EventEntity, {
        where: { taskId, type: 'TASK_STATUS_CHANGED' },
        order: { id: 'ASC' },
      });
    }

    it('cancels a waiting task, keeps its steps, and writes the event', async () => {
      const task = await created({
        zoneId: zoneA,
        name: 'to-cancel',
        steps: [inlineStep, { ...inlineStep, seq: 2 }],
      });
      const response = await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: task.id,
        status: 'canceled',
        finishedAt: expect.any(String),
      });
      expect(response.body.steps).toHaveLength(2);
      expect(await t.dataSource.manager.countBy(TaskStepEntity, { taskId: task.id })).toBe(2);
      const events = await statusEvents(task.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        schemaVersion: 1,
        zoneId: zoneA,
        payload: { taskId: task.id, zoneId: zoneA, from: 'wait-polling', to: 'canceled' },
      });
    });

    it('cancels a scheduled task through the Klevr path', async () => {
      const task = await created({
        zoneId: zoneA,
        name: 'someday',
        schedule: new Date(Date.now() + 3_600_000).toISOString(),
        steps: [inlineStep],
      });
      expect(task.status).toBe('scheduled');
      const response = await t.call('DELETE', `/inner/tasks/${task.id}`, { token: operator });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('canceled');
      expect((await statusEvents(task.id)).map((event) => event.payload)).toEqual([
        { taskId: task.id, zoneId: zoneA, from: 'scheduled', to: 'canceled' },
      ]);
    });

    it('cancels an iteration task between runs and keeps its runs and logs', async () => {
      const task = await created({
        zoneId: zoneA,
        name: 'between-runs',
        taskType: 'iteration',
        cron: '*/5 * * * *',
        steps: [inlineStep],
      });
      const run = await insertRun(task.id, zoneA, new Date());
      await insertChunks(run, [1, 2]);
      await setStatus(task.id, 'wait-iteration-schedule');
      const response = await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('canceled');
      expect(response.body.runs.map((r: { id: number }) => r.id)).toEqual([run.id]);
      const logs = await t.call('GET', `/api/v1/tasks/${task.id}/logs`, { token: viewer });
      expect(logs.body.chunks).toHaveLength(2);
    });

    it('answers 409 TASK_NOT_CANCELABLE for a canceled task, naming its status', async () => {
      const task = await created({ zoneId: zoneA, name: 'twice', steps: [inlineStep] });
      expect((await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator })).status).toBe(200);
      const again = await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('TASK_NOT_CANCELABLE');
      expect(again.body.message).toContain('is canceled');
      expect(await statusEvents(task.id)).toHaveLength(1);
    });

    it('stops a delivered task at once and writes the event', async () => {
      const task = await created({ zoneId: zoneA, name: 'busy', steps: [inlineStep] });
      await setStatus(task.id, 'running');
      const response = await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'stopped', finishedAt: expect.any(String) });
      const row = await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: task.id });
      expect(row.status).toBe('stopped');
      expect((await statusEvents(task.id)).map((event) => event.payload)).toEqual([
        { taskId: task.id, zoneId: zoneA, from: 'running', to: 'stopped' },
      ]);
    });

    it('refuses a viewer with 403, an anonymous caller with 401, and changes nothing', async () => {
      const task = await created({ zoneId: zoneA, name: 'protected', steps: [inlineStep] });
      expect((await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: viewer })).status).toBe(403);
      expect((await t.call('DELETE', `/inner/tasks/${task.id}`)).status).toBe(401);
      expect((await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: task.id })).status).toBe(
        'wait-polling',
      );
      expect(await statusEvents(task.id)).toHaveLength(0);
    });

    it('answers 404 for an unknown task and 400 for a malformed id', async () => {
      expect((await t.call('DELETE', '/api/v1/tasks/999999', { token: operator })).body.code).toBe(
        'TASK_NOT_FOUND',
      );
      expect((await t.call('DELETE', '/api/v1/tasks/x', { token: operator })).status).toBe(400);
    });

    it('refuses transitions the state machine does not enable yet with 409 INVALID_TRANSITION', async () => {
      const task = await created({ zoneId: zoneA, name: 'not-yet', steps: [inlineStep] });
      await expect(t.app.get(TaskTransitions).transition(task.id, 'running')).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
      });
      await expect(t.app.get(TaskTransitions).transition(task.id, 'complete')).rejects.toMatchObject({
        code: 'INVALID_TRANSITION',
      });
      expect((await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: task.id })).status).toBe(
        'wait-polling',
      );
      expect(await statusEvents(task.id)).toHaveLength(0);
    });

    it('guards the status update on the status the task is in', async () => {
      const task = await created({ zoneId: zoneA, name: 'guarded', steps: [inlineStep] });
      const repository = t.app.get(TasksRepository);
      const moved = await repository.updateStatusGuarded(
        task.id,
        ['scheduled'],
        'canceled',
        { updatedAt: new Date() },
        t.dataSource.manager,
      );
      expect(moved).toBe(false);
      expect((await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: task.id })).status).toBe(
        'wait-polling',
      );
      const movedNow = await repository.updateStatusGuarded(
        task.id,
        ['wait-polling'],
        'canceled',
        { updatedAt: new Date() },
        t.dataSource.manager,
      );
      expect(movedNow).toBe(true);
    });

    it('rolls the status back when the event cannot be written', async () => {
      const task = await created({ zoneId: zoneA, name: 'atomic-cancel', steps: [inlineStep] });
      vi.spyOn(t.app.get(TaskEventsWriter), 'statusChanged').mockRejectedValueOnce(
        new Error('outbox unavailable'),
      );
      expect((await t.call('DELETE', `/api/v1/tasks/${task.id}`, { token: operator })).status).toBe(500);
      expect((await t.dataSource.manager.findOneByOrFail(TaskEntity, { id: task.id })).status).toBe(
        'wait-polling',
      );
    });
  });

  describe('logs', () => {
    let taskId: number;
    let otherTaskId: number;
    let older: TaskRunEntity;
    let newer: TaskRunEntity;
    let foreign: TaskRunEntity;

    beforeAll(async () => {
      taskId = (await created({ zoneId: zoneA, name: 'chatty', steps: [inlineStep] })).id;
      otherTaskId = (await created({ zoneId: zoneB, name: 'other zone', steps: [inlineStep] })).id;
      older = await insertRun(taskId, zoneA, new Date('2030-01-01T00:00:00Z'));
      newer = await insertRun(taskId, zoneA, new Date('2030-01-02T00:00:00Z'));
      foreign = await insertRun(otherTaskId, zoneB, new Date('2030-01-03T00:00:00Z'));
      await insertChunks(older, [1, 2]);
      await insertChunks(newer, [3, 1, 2, 4]);
      await insertChunks(foreign, [1]);
    });

    it('answers an empty log for a task without runs', async () => {
      const quiet = await created({ zoneId: zoneA, name: 'quiet', steps: [inlineStep] });
      const response = await t.call('GET', `/api/v1/tasks/${quiet.id}/logs`, { token: viewer });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ taskId: quiet.id, runId: null, chunks: [], nextSeq: 0 });
    });

    it('serves the latest run by default, in seq order', async () => {
      const response = await t.call('GET', `/api/v1/tasks/${taskId}/logs`, { token: viewer });
      expect(response.status).toBe(200);
      expect(response.body.runId).toBe(newer.id);
      expect(response.body.chunks.map((c: { seq: number }) => c.seq)).toEqual([1, 2, 3, 4]);
      expect(response.body.chunks[0]).toMatchObject({
        runId: newer.id,
        stepSeq: 1,
        stream: 'stdout',
        content: `run ${newer.id} line 1\n`,
      });
      expect(response.body.nextSeq).toBe(4);
    });

    it('follows a run with afterSeq and limit', async () => {
      const page = await t.call('GET', `/api/v1/tasks/${taskId}/logs?afterSeq=1&limit=2`, { token: viewer });
      expect(page.body.chunks.map((c: { seq: number }) => c.seq)).toEqual([2, 3]);
      expect(page.body.nextSeq).toBe(3);
      const rest = await t.call('GET', `/api/v1/tasks/${taskId}/logs?afterSeq=${page.body.nextSeq}`, {
        token: viewer,
      });
      expect(rest.body.chunks.map((c: { seq: number }) => c.seq)).toEqual([4]);
      const caughtUp = await t.call('GET', `/api/v1/tasks/${taskId}/logs?afterSeq=4`, { token: viewer });
      expect(caughtUp.body).toMatchObject({ chunks: [], nextSeq: 4 });
    });

    it('serves an older run when asked', async () => {
      const response = await t.call('GET', `/api/v1/tasks/${taskId}/logs?runId=${older.id}`, {
        token: viewer,
      });
      expect(response.body.runId).toBe(older.id);
      expect(response.body.chunks.map((c: { content: string }) => c.content)).toEqual([
        `run ${older.id} line 1\n`,
        `run ${older.id} line 2\n`,
      ]);
    });

    it("refuses another task's run with 404, so one task cannot read another zone's log", async () => {
      const response = await t.call('GET', `/api/v1/tasks/${taskId}/logs?runId=${foreign.id}`, {
        token: viewer,
      });
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('TASK_RUN_NOT_FOUND');
      expect(JSON.stringify(response.body)).not.toContain('line');
    });

    it('answers 404 for an unknown task, 400 for malformed input and 401 without a token', async () => {
      expect((await t.call('GET', '/api/v1/tasks/999999/logs', { token: viewer })).body.code).toBe(
        'TASK_NOT_FOUND',
      );
      for (const query of ['runId=abc', 'afterSeq=-1', 'limit=0', 'limit=1001']) {
        expect(
          (await t.call('GET', `/api/v1/tasks/${taskId}/logs?${query}`, { token: viewer })).status,
          query,
        ).toBe(400);
      }
      expect((await t.call('GET', `/api/v1/tasks/${taskId}/logs`)).status).toBe(401);
    });
  });

  describe('command catalogue', () => {
    it('serves the reserved commands with JSON Schemas on both paths', async () => {
      for (const path of ['/api/v1/commands', '/inner/commands']) {
        const response = await t.call('GET', path, { token: viewer });
        expect(response.status).toBe(200);
        expect(Object.keys(response.body).sort()).toEqual([
          'ChangeLogLevel',
          'CollectAgentLog',
          'ForceShutdownAgent',
          'GetAgentsRunningTasks',
          'GracefulShutdownAgent',
          'StopTask',
        ]);
        expect(response.body.StopTask).toMatchObject({
          description: expect.any(String),
          hasRecover: false,
          parameterModel: {
            type: 'object',
            required: ['targetTaskId'],
            properties: { targetTaskId: { type: 'integer' } },
          },
          resultModel: { properties: { stopTaskResult: { enum: ['SUCCESS', 'NOT_EXIST'] } } },
        });
      }
    });

    it('answers 401 without a token', async () => {
      expect((await t.call('GET', '/inner/commands')).status).toBe(401);
    });
  });
});
