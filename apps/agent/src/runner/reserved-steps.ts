import {
  isReservedCommandName,
  parseReservedParameter,
  reservedCommands,
  type ReservedCommandName,
} from '@outpost/shared';
import { z } from 'zod';
import { fitLogWindow, readLogWindow } from './agent-log-window';
import { RESULT_MAX_CHARS } from './limits';
import { type AgentControls, type RunningRun } from './run-events';
import { type StepOutcome } from './step-outcome';

/** What a reserved command may touch: the agent's controls and the runner it runs in. */
export interface ReservedContext {
  runId: number;
  controls: AgentControls;
  runningRuns(): RunningRun[];
  /** Stops every run of `taskId` but `exceptRunId`; false when none was running. */
  stopTask(taskId: number, exceptRunId: number): boolean;
  /** Shutdowns happen after this run has reported its end, never in the middle of it. */
  requestShutdown(mode: 'force' | 'graceful', timeoutSeconds: number): void;
}

type Catalogue = typeof reservedCommands;
type Handlers = {
  [N in ReservedCommandName]: (
    parameter: z.output<Catalogue[N]['parameter']>,
    context: ReservedContext,
  ) => Promise<z.input<Catalogue[N]['result']>>;
};

const handlers: Handlers = {
  ChangeLogLevel: async ({ level }, { controls }) => controls.setLogLevel(level),

  CollectAgentLog: async ({ sort, maxBytes }, { controls }) => {
    const file = controls.logFilePath();
    if (file === null) throw new StepError('this agent writes no log file');
    const window = await readLogWindow(file, sort, maxBytes).catch((error: unknown) => {
      throw new StepError(`cannot read the agent log: ${errorMessage(error)}`);
    });
    // maxBytes may exceed what one status report can carry once the text is JSON-encoded.
    return fitLogWindow(window, sort, RESULT_MAX_CHARS, (w) => JSON.stringify(w).length);
  },

  StopTask: async ({ targetTaskId }, { stopTask, runId }) => ({
    stopTaskResult: stopTask(targetTaskId, runId) ? 'SUCCESS' : 'NOT_EXIST',
  }),

  ForceShutdownAgent: async (_parameter, { requestShutdown }) => {
    requestShutdown('force', 0);
    return {};
  },

  GracefulShutdownAgent: async ({ timeoutSeconds }, { requestShutdown }) => {
    requestShutdown('graceful', timeoutSeconds);
    return {};
  },

  GetAgentsRunningTasks: async (_parameter, { runningRuns }) => ({
    runningTasks: runningRuns().map((run) => ({
      id: run.taskId,
      name: run.name,
      status: run.status,
      totalStepCount: run.totalStepCount,
      currentStep: run.currentStep,
      startedAt: run.startedAt,
      // The manager schedules iteration ticks and counts them; a run here is one tick.
      iterationCount: 0,
    })),
  }),
};

/** A failure whose message is meant for the run's `error` as it is. */
class StepError extends Error {}

/**
 * Runs a reserved step. Every failure (unknown command, bad parameter, a control that throws, a
 * result off its schema) ends the step with a readable error; none escapes as a crash.
 */
export async function runReservedStep(
  command: string,
  parameter: string,
  context: ReservedContext,
): Promise<StepOutcome> {
  if (!isReservedCommandName(command)) return { ok: false, error: `unknown reserved command "${command}"` };
  try {
    return { ok: true, result: await runCommand(command, parameter, context) };
  } catch (error) {
    return { ok: false, error: `${command}: ${errorMessage(error)}` };
  }
}

async function runCommand<N extends ReservedCommandName>(
  name: N,
  parameter: string,
  context: ReservedContext,
): Promise<string> {
  const input = parseParameter(name, parameter);
  const handler: Handlers[N] = handlers[name];
  const output = await handler(input, context);
  const checked = reservedCommands[name].result.safeParse(output);
  if (!checked.success)
    throw new StepError(`result does not match the command's schema: ${describeIssues(checked.error)}`);
  return JSON.stringify(checked.data);
}

function parseParameter<N extends ReservedCommandName>(
  name: N,
  parameter: string,
): z.output<Catalogue[N]['parameter']> {
  try {
    return parseReservedParameter(name, parameter);
  } catch (error) {
    // JSON.parse's message quotes the input, which may hold credential values: never pass it on.
    if (error instanceof z.ZodError) throw new StepError(`invalid parameter: ${describeIssues(error)}`);
    throw new StepError('the parameter is not valid JSON');
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'parameter'}: ${issue.message}`).join('; ');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
