import { describe, expect, it } from 'vitest';
import {
  createTaskRequestSchema,
  describeReservedCommands,
  listTasksQuerySchema,
  taskLogsQuerySchema,
  type CreateTaskRequestInput,
} from './tasks.contract';

const step = { seq: 1, commandName: 'hello', commandType: 'inline' as const, command: 'echo hi' };
const base: CreateTaskRequestInput = { zoneId: 1, name: 'job', steps: [step] };

function issuesOf(input: unknown): { path: string; message: string }[] {
  const result = createTaskRequestSchema.safeParse(input);
  if (result.success) throw new Error('expected the request to be refused');
  return result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** A task as Klevr's own DTO serialises it: zero values everywhere, server-owned fields included. */
const klevrTask = {
  id: 0,
  zoneId: 3,
  name: 'klevr-job',
  taskType: 'atOnce',
  schedule: null,
  agentKey: '',
  exeAgentKey: '',
  status: '',
  cron: '',
  untilRun: null,
  timeout: 0,
  exeAgentChangeable: true,
  totalStepCount: 7,
  currentStep: 0,
  hasRecover: true,
  parameter: '',
  callbackUrl: '',
  result: '',
  failedStep: 0,
  isFailedRecover: false,
  showLog: true,
  log: '',
  eventHookSendingType: 'all-statues',
  isChangedResult: false,
  steps: [
    { id: 0, seq: 1, commandName: 'hello', commandType: 'inline', command: 'echo hi', isRecover: false },
  ],
};

describe('createTaskRequestSchema', () => {
  it("accepts Klevr's task JSON verbatim and ignores the fields the server owns", () => {
    const parsed = createTaskRequestSchema.parse(klevrTask);
    expect(parsed).toMatchObject({
      zoneId: 3,
      target: { kind: 'any' },
      targetSource: 'default',
      eventHookSendingType: 'all-statuses',
    });
    expect(parsed.callbackUrl).toBeUndefined();
    expect(parsed).not.toHaveProperty('status');
    expect(parsed).not.toHaveProperty('hasRecover');
    expect(parsed).not.toHaveProperty('totalStepCount');
  });

  it("accepts Klevr's 6-digit JSONTime schedule", () => {
    expect(createTaskRequestSchema.parse({ ...base, schedule: '2030-01-26T10:11:12.123456Z' }).schedule).toBe(
      '2030-01-26T10:11:12.123456Z',
    );
  });

  it('derives the target from agentKey / exeAgentChangeable', () => {
    expect(
      createTaskRequestSchema.parse({ ...base, agentKey: 'a1', exeAgentChangeable: false }),
    ).toMatchObject({
      target: { kind: 'agent', agentKey: 'a1' },
      targetSource: 'agentKey',
    });
    expect(
      createTaskRequestSchema.parse({ ...base, agentKey: 'a1', exeAgentChangeable: true }).target,
    ).toEqual({ kind: 'any' });
    expect(createTaskRequestSchema.parse({ ...base, target: { kind: 'all' } })).toMatchObject({
      target: { kind: 'all' },
      targetSource: 'target',
    });
  });

  it('sorts steps by seq and turns an object parameter into JSON text', () => {
    const parsed = createTaskRequestSchema.parse({
      ...base,
      parameter: { targetTaskId: 4 },
      steps: [
        { ...step, seq: 2, commandName: 'second' },
        { ...step, seq: 1, commandName: 'first' },
      ],
    });
    expect(parsed.steps.map((s) => s.commandName)).toEqual(['first', 'second']);
    expect(parsed.parameter).toBe('{"targetTaskId":4}');
  });

  it('stores the canonical spelling of the time zone', () => {
    expect(
      createTaskRequestSchema.parse({
        ...base,
        taskType: 'iteration',
        cron: '0 9 * * *',
        timeZone: 'asia/seoul',
      }).timeZone,
    ).toBe('Asia/Seoul');
  });

  it.each([
    ['no steps', { ...base, steps: [] }, 'steps'],
    ['a duplicate seq', { ...base, steps: [step, { ...step, commandName: 'again' }] }, 'steps.1.seq'],
    [
      'two recover steps',
      { ...base, steps: [step, { ...step, seq: 2, isRecover: true }, { ...step, seq: 3, isRecover: true }] },
      'steps',
    ],
    ['only a recover step', { ...base, steps: [{ ...step, isRecover: true }] }, 'steps'],
    [
      'an unknown reserved command',
      { ...base, steps: [{ ...step, commandType: 'reserved', command: 'RebootWorld' }] },
      'steps.0.command',
    ],
    [
      'StopTask without targetTaskId',
      { ...base, steps: [{ ...step, commandType: 'reserved', command: 'StopTask' }] },
      'parameter',
    ],
    [
      'ChangeLogLevel level loud',
      {
        ...base,
        parameter: '{"level":"loud"}',
        steps: [{ ...step, commandType: 'reserved', command: 'ChangeLogLevel' }],
      },
      'parameter',
    ],
    [
      'a reserved parameter that is not JSON',
      {
        ...base,
        parameter: '{level',
        steps: [{ ...step, commandType: 'reserved', command: 'ChangeLogLevel' }],
      },
      'parameter',
    ],
    ['iteration without cron', { ...base, taskType: 'iteration' }, 'cron'],
    ['an invalid cron', { ...base, taskType: 'iteration', cron: '61 * * * *' }, 'cron'],
    ['a 7-field cron', { ...base, taskType: 'iteration', cron: '0 0 9 * * * 2030' }, 'cron'],
    ['cron on an atOnce task', { ...base, cron: '0 9 * * *' }, 'cron'],
    [
      'an unknown time zone',
      { ...base, taskType: 'iteration', cron: '0 9 * * *', timeZone: 'Mars/Olympus' },
      'timeZone',
    ],
    ['a callbackUrl that is not http(s)', { ...base, callbackUrl: 'ftp://example.com/x' }, 'callbackUrl'],
    ['a negative timeout', { ...base, timeout: -1 }, 'timeout'],
    ['a string timeout', { ...base, timeout: '10' }, 'timeout'],
    [
      'agentKey contradicting target',
      { ...base, agentKey: 'a1', target: { kind: 'agent', agentKey: 'a2' } },
      'agentKey',
    ],
    [
      'exeAgentChangeable contradicting target',
      { ...base, exeAgentChangeable: true, target: { kind: 'all' } },
      'exeAgentChangeable',
    ],
    ['an empty name', { ...base, name: '   ' }, 'name'],
    ['a name over 100 characters', { ...base, name: 'x'.repeat(101) }, 'name'],
    [
      'a script over 64 KiB',
      { ...base, steps: [{ ...step, command: 'x'.repeat(65_537) }] },
      'steps.0.command',
    ],
    ['a labels target without labels', { ...base, target: { kind: 'labels', labels: {} } }, 'target.labels'],
    ['an unknown event filter', { ...base, eventHookSendingType: 'sometimes' }, 'eventHookSendingType'],
  ])('refuses %s', (_label, input, path) => {
    expect(issuesOf(input).map((issue) => issue.path)).toContain(path);
  });

  it('accepts an agentKey that agrees with the target', () => {
    expect(
      createTaskRequestSchema.safeParse({
        ...base,
        agentKey: 'a1',
        target: { kind: 'agent', agentKey: 'a1' },
      }).success,
    ).toBe(true);
  });
});

describe('listTasksQuerySchema', () => {
  it("accepts Klevr's repeatable groupID as zoneId", () => {
    expect(listTasksQuerySchema.parse({ groupID: ['1', '2'] }).zoneId).toEqual([1, 2]);
    expect(listTasksQuerySchema.parse({ groupID: '4', zoneId: '3' }).zoneId).toEqual([3, 4]);
  });

  it('reads repeated and comma-separated statuses', () => {
    expect(listTasksQuerySchema.parse({ status: ['scheduled', 'canceled,complete'] }).status).toEqual([
      'scheduled',
      'canceled',
      'complete',
    ]);
    expect(listTasksQuerySchema.safeParse({ status: 'asleep' }).success).toBe(false);
  });
});

describe('taskLogsQuerySchema', () => {
  it('defaults afterSeq and limit and refuses a malformed run id', () => {
    expect(taskLogsQuerySchema.parse({})).toEqual({ afterSeq: 0, limit: 500 });
    expect(taskLogsQuerySchema.safeParse({ runId: 'abc' }).success).toBe(false);
  });
});

describe('describeReservedCommands', () => {
  it('serves a JSON Schema per command; StopTask requires targetTaskId', () => {
    const catalogue = describeReservedCommands();
    expect(Object.keys(catalogue)).toContain('StopTask');
    expect(catalogue['StopTask']?.parameterModel).toMatchObject({
      type: 'object',
      required: ['targetTaskId'],
    });
    expect(catalogue['ChangeLogLevel']?.parameterModel).toMatchObject({
      properties: { level: expect.anything() },
    });
  });
});
