import { type Assignment } from '@outpost/shared';
import { runInlineStep } from './inline-step';
import { RESULT_MAX_CHARS } from './limits';
import { substitutePlaceholders } from './placeholders';
import { type ReservedContext, runReservedStep } from './reserved-steps';
import { prepareRunDir, removeRunDir } from './run-dir';
import { type LogStream, type RunnerLogger, type StatusEvent } from './run-events';
import { type RunHandle } from './run-handle';
import { buildStepEnv } from './step-env';
import { type StepOutcome } from './step-outcome';

type Step = Assignment['task']['steps'][number];

/** A status report without its run id; the runner masks it on the way out. */
export type StatusFields = Omit<StatusEvent, 'kind' | 'runId'>;

export interface RunDeps {
  workRoot: string;
  killGraceMs: number;
  baseEnv: Readonly<Record<string, string | undefined>>;
  logger: RunnerLogger;
  emitStatus(run: RunHandle, fields: StatusFields): void;
  emitLog(run: RunHandle, stepSeq: number | null, stream: LogStream, content: string): void;
  reservedContext(run: RunHandle): ReservedContext;
}

/**
 * Runs the steps of one assignment, once (an iteration task's next tick is a new run), and returns
 * how it ended. Progress (`running`, `recovering`) is emitted on the way; the final status is left
 * to the caller, which emits it after everything is cleaned up. A requested stop ends the loop at
 * the next step boundary, and the running step's process group is already being killed.
 */
export async function executeRun(run: RunHandle, deps: RunDeps): Promise<StatusFields> {
  const { task, credentials } = run.assignment;
  const sorted = [...task.steps].sort((a, b) => a.seq - b.seq);
  const regular = sorted.filter((step) => !step.isRecover);
  const recovers = sorted.filter((step) => step.isRecover);
  if (recovers.length > 1) return failed(1, null, null, 'the task has more than one recover step');
  if (regular.length === 0) return failed(1, null, null, 'the task has no step to run');
  const recover = recovers[0] ?? null;

  const parameter = substitutePlaceholders(task.parameter, credentials);
  const { env, skippedKeys } = buildStepEnv(deps.baseEnv, credentials);
  if (skippedKeys.length > 0) {
    deps.emitLog(
      run,
      null,
      'system',
      `credentials not set as environment variables (reserved or invalid names): ${skippedKeys.join(', ')}`,
    );
  }

  let runDir: string | null = null;
  const runStep = async (step: Step, previousResult: string): Promise<StepOutcome> => {
    try {
      let outcome: StepOutcome;
      if (step.commandType === 'reserved') {
        outcome = await runReservedStep(step.command, parameter, deps.reservedContext(run));
      } else {
        runDir ??= await prepareRunDir(deps.workRoot, run.runId);
        outcome = await runInlineStep({
          runDir,
          script: step.command,
          parameter,
          previousResult,
          env,
          showLog: task.showLog,
          killGraceMs: deps.killGraceMs,
          masker: run.masker,
          log: (stream, content) => deps.emitLog(run, step.seq, stream, content),
          trackGroup: (pgid) => run.trackGroup(pgid),
          stopRequested: () => run.stopReason !== null,
        });
      }
      return checkResultSize(run, outcome);
    } catch (error) {
      // The run directory or a step file could not be written: a failed step, not a crash.
      return {
        ok: false,
        error: `the step could not run: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };

  try {
    let result: string | null = null;
    let failure: { seq: number; error: string } | null = null;
    for (let index = 0; index < regular.length; index += 1) {
      if (run.stopReason) return stopped(run, result, null);
      const step = regular[index];
      run.currentStep = index + 1;
      const outcome = await runStep(step, result ?? '');
      if (run.stopReason) return stopped(run, outcome.ok ? outcome.result : result, null);
      if (!outcome.ok) {
        failure = { seq: step.seq, error: outcome.error };
        break;
      }
      result = outcome.result;
      if (index < regular.length - 1) {
        run.currentStep = index + 2;
        run.status = 'running';
        deps.emitStatus(run, {
          status: 'running',
          currentStep: run.currentStep,
          failedStep: null,
          result,
          error: null,
        });
      }
    }
    if (failure === null)
      return { status: 'complete', currentStep: run.currentStep, failedStep: null, result, error: null };

    deps.emitLog(run, failure.seq, 'system', `step ${failure.seq} failed: ${failure.error}`);
    if (recover === null) return failed(run.currentStep, failure.seq, result, failure.error);

    run.status = 'recovering';
    run.currentStep = recover.seq;
    deps.emitStatus(run, {
      status: 'recovering',
      currentStep: recover.seq,
      failedStep: failure.seq,
      result,
      error: failure.error,
    });
    const recovered = await runStep(recover, result ?? '');
    if (run.stopReason) return stopped(run, result, failure.seq);
    // Klevr reported an ordinary recover failure as plain `failed`; the two outcomes differ here.
    if (recovered.ok) return failed(recover.seq, failure.seq, recovered.result, failure.error);
    deps.emitLog(run, recover.seq, 'system', `recover step ${recover.seq} failed: ${recovered.error}`);
    return {
      status: 'failed-recover',
      currentStep: recover.seq,
      failedStep: failure.seq,
      result,
      error: `${failure.error}; recover step ${recover.seq} failed: ${recovered.error}`,
    };
  } finally {
    if (runDir !== null) {
      const dir: string = runDir;
      await removeRunDir(dir).catch((error: unknown) =>
        deps.logger.warn(
          `run ${run.runId}: could not remove ${dir}: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
  }
}

function failed(
  currentStep: number,
  failedStep: number | null,
  result: string | null,
  error: string,
): StatusFields {
  return { status: 'failed', currentStep, failedStep, result, error };
}

/** The end of a run that was canceled or timed out (the caller also uses it for late stops). */
export function stopped(run: RunHandle, result: string | null, failedStep: number | null): StatusFields {
  const timeoutSeconds = run.assignment.task.timeoutSeconds;
  return run.stopReason === 'timeout'
    ? {
        status: 'timeout',
        currentStep: run.currentStep,
        failedStep,
        result,
        error: `timed out after ${timeoutSeconds} s`,
      }
    : { status: 'stopped', currentStep: run.currentStep, failedStep, result, error: 'stopped on request' };
}

/** A result that a status report cannot carry fails its step instead of being cut silently. */
function checkResultSize(run: RunHandle, outcome: StepOutcome): StepOutcome {
  if (!outcome.ok) return outcome;
  const size = run.masker.mask(outcome.result).length;
  if (size <= RESULT_MAX_CHARS) return outcome;
  return {
    ok: false,
    error: `the result has ${size} characters; a report carries at most ${RESULT_MAX_CHARS}`,
  };
}
