import { z } from 'zod';

/**
 * The catalogue of reserved (built-in) commands, defined once: the manager validates task
 * parameters with it and serves it at `GET /inner/commands`, the agent runs it, the console builds
 * forms from the JSON Schemas it exposes. Names and models follow Klevr's, with its defects fixed
 * (missing parameters are validation errors, not crashes).
 */
const logLevelSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.toLowerCase() : value),
  z.enum(['debug', 'info', 'warn', 'error']),
);

export const reservedCommands = {
  ChangeLogLevel: {
    description: "Change the agent's log level at run time.",
    parameter: z.object({ level: logLevelSchema }),
    result: z.object({ before: z.string(), current: z.string() }),
  },
  CollectAgentLog: {
    description:
      "Return the agent's own log, at most maxBytes (30 KiB by default) from its start or its end.",
    parameter: z.object({
      sort: z.enum(['OLDEST', 'LATEST']).default('LATEST'),
      maxBytes: z.number().int().min(1024).max(1_048_576).default(30_720),
    }),
    result: z.object({ logs: z.string(), truncated: z.boolean() }),
  },
  StopTask: {
    description: 'Stop another task running on the same agent; its whole process group is killed.',
    parameter: z.object({ targetTaskId: z.number().int().positive() }),
    result: z.object({ stopTaskResult: z.enum(['SUCCESS', 'NOT_EXIST']) }),
  },
  ForceShutdownAgent: {
    description:
      'Stop the agent process at once; running tasks are killed and reported as stopped on restart.',
    parameter: z.object({}),
    result: z.object({}),
  },
  GracefulShutdownAgent: {
    description:
      'Stop accepting work, wait for running atOnce tasks (up to timeoutSeconds), then stop the agent.',
    parameter: z.object({ timeoutSeconds: z.number().int().min(1).max(86_400).default(300) }),
    result: z.object({}),
  },
  GetAgentsRunningTasks: {
    description: 'List the tasks the agent is running now.',
    parameter: z.object({}),
    result: z.object({
      runningTasks: z.array(
        z.object({
          id: z.number().int(),
          name: z.string(),
          status: z.string(),
          totalStepCount: z.number().int(),
          currentStep: z.number().int(),
          startedAt: z.string(),
          iterationCount: z.number().int(),
        }),
      ),
    }),
  },
} as const satisfies Record<string, { description: string; parameter: z.ZodType; result: z.ZodType }>;

export type ReservedCommandName = keyof typeof reservedCommands;
export const reservedCommandNames = Object.keys(reservedCommands) as ReservedCommandName[];

export function isReservedCommandName(name: string): name is ReservedCommandName {
  return Object.prototype.hasOwnProperty.call(reservedCommands, name);
}

/** Parses a task parameter (a JSON string, possibly empty) for a reserved command. */
export function parseReservedParameter<N extends ReservedCommandName>(
  name: N,
  parameter: string,
): z.output<(typeof reservedCommands)[N]['parameter']> {
  const raw: unknown = parameter.trim() === '' ? {} : JSON.parse(parameter);
  return reservedCommands[name].parameter.parse(raw) as z.output<(typeof reservedCommands)[N]['parameter']>;
}
