import { z } from 'zod';
import { idSchema, labelsSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';
import {
  isReservedCommandName,
  parseReservedParameter,
  reservedCommands,
} from '../commands/reserved-commands';
import { canonicalTimeZone, describeCronError, isValidTimeZone } from '../schedule/cron';

/** Klevr's status names, kept so its users recognise them (ARCHITECTURE §5). */
export const taskStatuses = [
  'scheduled',
  'wait-polling',
  'hand-over',
  'wait-exec',
  'started',
  'running',
  'recovering',
  'wait-iteration-schedule',
  'complete',
  'failed',
  'failed-recover',
  'canceled',
  'stopped',
  'timeout',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];
export const terminalTaskStatuses: readonly TaskStatus[] = [
  'complete',
  'failed',
  'failed-recover',
  'canceled',
  'stopped',
  'timeout',
];
export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return terminalTaskStatuses.includes(status);
}

export const taskTypes = ['atOnce', 'iteration', 'longTerm'] as const;
export type TaskType = (typeof taskTypes)[number];

/** Which status changes emit a TASK_CALLBACK event (Klevr's event-hook sending types). */
export const eventFilters = [
  'all-statuses',
  'conclusion-statuses',
  'both-ends',
  'success',
  'failed',
  'changed-result',
  'each-steps',
] as const;
export type EventFilter = (typeof eventFilters)[number];

export const overlapPolicies = ['skip', 'queue-one'] as const;
export type OverlapPolicy = (typeof overlapPolicies)[number];

export const taskTargetSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('any').describe('The least busy healthy agent of the zone') }),
    z.object({ kind: z.literal('agent'), agentKey: z.string().min(1).max(64) }),
    z.object({ kind: z.literal('all').describe('Every online agent of the zone, one run each') }),
    z.object({
      kind: z.literal('labels'),
      labels: labelsSchema.refine((labels) => Object.keys(labels).length > 0, 'give at least one label'),
    }),
  ])
  .meta({ id: 'TaskTarget' });
export type TaskTarget = z.infer<typeof taskTargetSchema>;

export const stepCommandTypes = ['inline', 'reserved'] as const;
export const MAX_STEPS = 50;
export const MAX_SCRIPT_LENGTH = 65_536;

export const taskStepInputSchema = z
  .object({
    seq: z.number().int().min(1).max(1000),
    commandName: z.string().trim().min(1).max(100),
    commandType: z.enum(stepCommandTypes),
    command: z.string().min(1, 'command must not be empty').max(MAX_SCRIPT_LENGTH),
    isRecover: z.boolean().default(false),
  })
  .meta({ id: 'TaskStepInput' });

const nullableTimestamp = timestampSchema.nullable().optional();

/** Klevr's typo `all-statues` still means every status. */
const eventFilterSchema = z.preprocess(
  (value) => (value === 'all-statues' ? 'all-statuses' : value),
  z.enum(eventFilters),
);

const createTaskFields = z.object({
  zoneId: idSchema,
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  taskType: z.enum(taskTypes).default('atOnce'),
  schedule: nullableTimestamp.describe('Run at or after this time; omit or null to run now'),
  agentKey: z.string().max(64).optional().describe("Klevr's target agent; empty means any agent"),
  exeAgentChangeable: z.boolean().optional().describe('Klevr: true lets any agent run the task'),
  target: taskTargetSchema.optional().describe('Where the task runs; derived from agentKey when omitted'),
  cron: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe('Required for iteration tasks: 5 fields, or 6 with seconds first'),
  timeZone: z.string().max(64).default('UTC').describe('IANA time zone the cron is read in'),
  untilRun: nullableTimestamp.describe('Iteration tasks stop repeating after this time'),
  overlapPolicy: z
    .enum(overlapPolicies)
    .default('skip')
    .describe('What an iteration tick does while the previous run still runs'),
  timeout: z.number().int().min(0).max(604_800).default(0).describe('Seconds; 0 means no timeout'),
  maxRetries: z.number().int().min(0).max(10).default(0),
  retryBackoffSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(10)
    .describe('First retry delay; doubles each attempt'),
  parameter: z
    .union([z.string().max(65_536), z.record(z.string(), z.unknown())])
    .default('')
    .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .describe('Given to steps as $TASK_ORIGIN_PARAM; {{KEY}} placeholders name zone credentials'),
  // Klevr's DTO sends "" when there is no callback URL.
  callbackUrl: z.preprocess(
    (value) => (value === '' || value === null ? undefined : value),
    z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  ),
  showLog: z.boolean().default(true),
  eventHookSendingType: eventFilterSchema.default('all-statuses'),
  steps: z.array(taskStepInputSchema).min(1, 'a task needs at least one step').max(MAX_STEPS),
});

type Issue = { path: (string | number)[]; message: string };

function checkTask(task: z.output<typeof createTaskFields>): Issue[] {
  const issues: Issue[] = [];
  const seqs = new Set<number>();
  task.steps.forEach((step, index) => {
    if (seqs.has(step.seq))
      issues.push({ path: ['steps', index, 'seq'], message: `seq ${step.seq} is used twice` });
    seqs.add(step.seq);
    if (step.commandType === 'reserved') {
      if (!isReservedCommandName(step.command)) {
        issues.push({
          path: ['steps', index, 'command'],
          message: `unknown reserved command "${step.command}"; see GET /inner/commands`,
        });
      } else {
        try {
          parseReservedParameter(step.command, task.parameter);
        } catch (error) {
          const message =
            error instanceof z.ZodError
              ? `${step.command} needs ${error.issues.map((i) => `${i.path.join('.') || 'parameter'}: ${i.message}`).join('; ')}`
              : `${step.command} needs a JSON object as parameter`;
          issues.push({ path: ['parameter'], message });
        }
      }
    }
  });
  const recoverSteps = task.steps.filter((step) => step.isRecover);
  if (recoverSteps.length > 1)
    issues.push({ path: ['steps'], message: 'at most one step can be the recover step' });
  if (recoverSteps.length === task.steps.length)
    issues.push({ path: ['steps'], message: 'a task needs at least one step that is not the recover step' });
  if (!isValidTimeZone(task.timeZone))
    issues.push({ path: ['timeZone'], message: `unknown time zone "${task.timeZone}"` });
  if (task.taskType === 'iteration') {
    if (!task.cron) issues.push({ path: ['cron'], message: 'iteration tasks need a cron expression' });
    else if (isValidTimeZone(task.timeZone)) {
      const cronError = describeCronError(task.cron, task.timeZone);
      if (cronError) issues.push({ path: ['cron'], message: cronError });
    }
  } else if (task.cron) {
    issues.push({ path: ['cron'], message: 'cron is only for iteration tasks' });
  }
  if (
    task.target &&
    task.agentKey &&
    !(task.target.kind === 'agent' && task.target.agentKey === task.agentKey)
  ) {
    issues.push({ path: ['agentKey'], message: 'agentKey contradicts target; give one of them' });
  }
  if (task.target && task.exeAgentChangeable === true && task.target.kind !== 'any') {
    issues.push({
      path: ['exeAgentChangeable'],
      message: `exeAgentChangeable lets any agent run the task, which contradicts target "${task.target.kind}"`,
    });
  }
  return issues;
}

/** Klevr's agentKey/exeAgentChangeable pair, turned into an explicit target. */
function resolveTarget(task: z.output<typeof createTaskFields>): TaskTarget {
  if (task.target) return task.target;
  if (task.agentKey && task.exeAgentChangeable !== true) return { kind: 'agent', agentKey: task.agentKey };
  return { kind: 'any' };
}

/** Which input field the resolved target came from, so errors about it name the field the caller used. */
function targetSourceOf(task: z.output<typeof createTaskFields>): 'target' | 'agentKey' | 'default' {
  if (task.target) return 'target';
  return task.agentKey && task.exeAgentChangeable !== true ? 'agentKey' : 'default';
}

/**
 * Klevr's task JSON plus Outpost's own fields. The output is normalised: `target` is always set
 * (`targetSource` says from which field), `parameter` is always a string, `timeZone` is the
 * canonical IANA name, and the steps are sorted by `seq`.
 */
export const createTaskRequestSchema = createTaskFields
  .superRefine((task, ctx) => {
    for (const issue of checkTask(task))
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  })
  .transform((task) => {
    const { agentKey: _agentKey, exeAgentChangeable: _changeable, ...rest } = task;
    return {
      ...rest,
      timeZone: canonicalTimeZone(task.timeZone),
      target: resolveTarget(task),
      targetSource: targetSourceOf(task),
      steps: [...task.steps].sort((a, b) => a.seq - b.seq),
    };
  })
  .meta({ id: 'CreateTaskRequest' });
export type CreateTaskRequest = z.output<typeof createTaskRequestSchema>;
export type CreateTaskRequestInput = z.input<typeof createTaskRequestSchema>;

export const taskStepSchema = z
  .object({
    id: z.number().int(),
    seq: z.number().int(),
    commandName: z.string(),
    commandType: z.enum(stepCommandTypes),
    command: z.string(),
    isRecover: z.boolean(),
  })
  .meta({ id: 'TaskStep' });
export type TaskStep = z.infer<typeof taskStepSchema>;

export const taskRunSchema = z
  .object({
    id: z.number().int(),
    attempt: z.number().int(),
    agentKey: z.string().nullable(),
    status: z.enum(taskStatuses),
    currentStep: z.number().int(),
    failedStep: z.number().int().nullable(),
    result: z.string().nullable(),
    error: z.string().nullable(),
    startedAt: timestampSchema.nullable(),
    finishedAt: timestampSchema.nullable(),
    heartbeatAt: timestampSchema.nullable(),
  })
  .meta({ id: 'TaskRun' });
export type TaskRun = z.infer<typeof taskRunSchema>;

export const taskSummarySchema = z
  .object({
    id: z.number().int(),
    zoneId: z.number().int(),
    name: z.string(),
    taskType: z.enum(taskTypes),
    status: z.enum(taskStatuses),
    target: taskTargetSchema,
    agentKey: z.string().describe("Klevr's target agent key; empty unless the target is one agent"),
    exeAgentKey: z.string().nullable().describe('The agent that ran (or runs) the task'),
    exeAgentChangeable: z.boolean(),
    schedule: timestampSchema.nullable(),
    cron: z.string().nullable(),
    timeZone: z.string(),
    untilRun: timestampSchema.nullable(),
    timeout: z.number().int(),
    maxRetries: z.number().int(),
    attempt: z.number().int(),
    totalStepCount: z.number().int(),
    currentStep: z.number().int(),
    failedStep: z.number().int().nullable(),
    hasRecover: z.boolean(),
    isFailedRecover: z.boolean(),
    showLog: z.boolean(),
    eventHookSendingType: z.enum(eventFilters),
    nextRunAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    finishedAt: timestampSchema.nullable(),
  })
  .meta({ id: 'TaskSummary' });
export type TaskSummary = z.infer<typeof taskSummarySchema>;

export const taskDetailSchema = taskSummarySchema
  .extend({
    parameter: z.string().describe('As given: credential placeholders are never replaced here'),
    callbackUrl: z.string().nullable(),
    callbackSecret: z
      .string()
      .nullable()
      .optional()
      .describe(
        'Only in the create answer of a task with a callbackUrl, shown once: verify the X-Outpost-Signature of its callback with it',
      ),
    result: z.string().nullable(),
    overlapPolicy: z.enum(overlapPolicies),
    retryBackoffSeconds: z.number().int(),
    steps: z.array(taskStepSchema),
    runs: z.array(taskRunSchema),
  })
  .meta({ id: 'TaskDetail' });
export type TaskDetail = z.infer<typeof taskDetailSchema>;

/** A repeatable query parameter (`?status=a&status=b` or `?status=a,b`). */
function repeated<T extends z.ZodType>(item: T) {
  return z
    .preprocess((value) => {
      if (value === undefined) return undefined;
      const list = Array.isArray(value) ? value : [value];
      return list.flatMap((entry) => String(entry).split(',')).filter((entry) => entry !== '');
    }, z.array(item).max(100))
    .optional();
}

/** Klevr's scripts filter by `groupID`; it means `zoneId`. */
function acceptKlevrGroupId(input: unknown): unknown {
  if (input && typeof input === 'object' && 'groupID' in input) {
    const { groupID, zoneId, ...rest } = input as Record<string, unknown>;
    return { ...rest, zoneId: [zoneId, groupID].flat().filter((v) => v !== undefined) };
  }
  return input;
}

export const listTasksQuerySchema = z.preprocess(
  acceptKlevrGroupId,
  pageQuerySchema.extend({
    zoneId: repeated(idSchema),
    status: repeated(z.enum(taskStatuses)),
    taskType: z.enum(taskTypes).optional(),
    agentKey: z.string().max(64).optional().describe('Tasks targeted at or run by this agent'),
    name: z.string().max(100).optional().describe('Tasks whose name contains this text'),
    createdFrom: timestampSchema.optional(),
    createdTo: timestampSchema.optional(),
  }),
);
export type ListTasksQuery = z.output<typeof listTasksQuerySchema>;

export const logStreams = ['stdout', 'stderr', 'system'] as const;
export const taskLogChunkSchema = z
  .object({
    runId: z.number().int(),
    seq: z.number().int(),
    stepSeq: z.number().int().nullable(),
    stream: z.enum(logStreams),
    content: z.string(),
    createdAt: timestampSchema,
  })
  .meta({ id: 'TaskLogChunk' });
export type TaskLogChunk = z.infer<typeof taskLogChunkSchema>;

export const taskLogsQuerySchema = z.object({
  runId: idSchema.optional().describe('Defaults to the latest run'),
  afterSeq: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Only chunks after this sequence number (for following)'),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export const taskLogsSchema = z
  .object({
    taskId: z.number().int(),
    runId: z.number().int().nullable(),
    chunks: z.array(taskLogChunkSchema),
    nextSeq: z.number().int().describe('Pass as afterSeq to continue'),
  })
  .meta({ id: 'TaskLogs' });
export type TaskLogs = z.infer<typeof taskLogsSchema>;

export const reservedCommandDescriptorSchema = z
  .object({
    description: z.string(),
    parameterModel: z.record(z.string(), z.unknown()).describe('JSON Schema of the task parameter'),
    resultModel: z.record(z.string(), z.unknown()).describe('JSON Schema of the step result'),
    hasRecover: z.boolean(),
  })
  .meta({ id: 'ReservedCommand' });
export const commandCatalogueSchema = z
  .record(z.string(), reservedCommandDescriptorSchema)
  .meta({ id: 'CommandCatalogue' });

/** The catalogue as the API serves it, derived from the one definition. */
export function describeReservedCommands(): z.infer<typeof commandCatalogueSchema> {
  return Object.fromEntries(
    Object.entries(reservedCommands).map(([name, command]) => [
      name,
      {
        description: command.description,
        parameterModel: z.toJSONSchema(command.parameter, { io: 'input' }) as Record<string, unknown>,
        resultModel: z.toJSONSchema(command.result) as Record<string, unknown>,
        hasRecover: false,
      },
    ]),
  );
}

const taskIdParamsSchema = z.object({ taskId: idSchema });

export const taskRoutes = {
  create: defineRoute({
    id: 'createTask',
    method: 'POST',
    path: '/api/v1/tasks',
    aliases: ['/inner/tasks'],
    tag: 'Tasks',
    summary: 'Create a task (Klevr task JSON accepted)',
    access: 'operator',
    body: createTaskRequestSchema,
    status: 201,
    response: taskDetailSchema,
  }),
  list: defineRoute({
    id: 'listTasks',
    method: 'GET',
    path: '/api/v1/tasks',
    aliases: ['/inner/tasks'],
    tag: 'Tasks',
    summary: 'List tasks, newest first, with filters',
    access: 'viewer',
    query: listTasksQuerySchema,
    status: 200,
    response: pageOf(taskSummarySchema),
  }),
  get: defineRoute({
    id: 'getTask',
    method: 'GET',
    path: '/api/v1/tasks/:taskId',
    aliases: ['/inner/tasks/:taskId'],
    tag: 'Tasks',
    summary: 'Get a task with its status, result, steps and runs',
    access: 'viewer',
    params: taskIdParamsSchema,
    status: 200,
    response: taskDetailSchema,
  }),
  cancel: defineRoute({
    id: 'cancelTask',
    method: 'DELETE',
    path: '/api/v1/tasks/:taskId',
    aliases: ['/inner/tasks/:taskId'],
    tag: 'Tasks',
    summary: 'Cancel a task',
    description:
      'A task not yet delivered becomes canceled; a delivered one (hand-over to recovering) becomes stopped at once and its agents stop its runs on their next call; a finished task answers 409 TASK_NOT_CANCELABLE.',
    access: 'operator',
    params: taskIdParamsSchema,
    status: 200,
    response: taskDetailSchema,
  }),
  logs: defineRoute({
    id: 'getTaskLogs',
    method: 'GET',
    path: '/api/v1/tasks/:taskId/logs',
    tag: 'Tasks',
    summary: "A run's log, in sequence-numbered chunks",
    access: 'viewer',
    params: taskIdParamsSchema,
    query: taskLogsQuerySchema,
    status: 200,
    response: taskLogsSchema,
  }),
  commands: defineRoute({
    id: 'listCommands',
    method: 'GET',
    path: '/api/v1/commands',
    aliases: ['/inner/commands'],
    tag: 'Tasks',
    summary: 'The reserved-command catalogue with parameter and result models',
    access: 'viewer',
    status: 200,
    response: commandCatalogueSchema,
  }),
} as const;
