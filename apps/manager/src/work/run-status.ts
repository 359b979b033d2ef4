import { isTerminalTaskStatus, type reportableStatuses, type TaskStatus } from '@outpost/shared';

export type ReportedStatus = (typeof reportableStatuses)[number];

/**
 * How far a run has come; run statuses follow the task statuses:
 * hand-over → wait-exec → started → running → recovering → terminal.
 */
const PROGRESS: Partial<Record<TaskStatus, number>> = {
  'hand-over': 0,
  'wait-exec': 1,
  started: 2,
  running: 3,
  recovering: 4,
};
const TERMINAL_RANK = 5;

export function runProgress(status: TaskStatus): number {
  return isTerminalTaskStatus(status) ? TERMINAL_RANK : (PROGRESS[status] ?? -1);
}

/**
 * The status a run takes for a reported one. Every iteration of an iteration task is a run of its
 * own here, so a Klevr-style `wait-iteration-schedule` ("this iteration went well") ends the run as
 * `complete`; the manager then schedules the next tick.
 */
export function runStatusFor(reported: ReportedStatus): TaskStatus {
  return reported === 'wait-iteration-schedule' ? 'complete' : reported;
}

export type RunVerdict =
  { kind: 'apply'; to: TaskStatus } | { kind: 'duplicate' } | { kind: 'reject'; message: string };

/**
 * What a status report does to a run. Reports are idempotent: the same status again (without
 * progress) or an older one is a `duplicate`, harmless to resend. Moving forward is applied, and
 * so is the same status with a later step (`running` after each step). A terminal run never
 * changes again: a different final status (e.g. a late report for a run that was reaped or
 * reassigned) is rejected.
 */
export function judgeRunReport(
  run: { id: number; status: TaskStatus; currentStep: number },
  report: { status: ReportedStatus; currentStep: number },
): RunVerdict {
  const to = runStatusFor(report.status);
  if (isTerminalTaskStatus(run.status)) {
    if (to === run.status || !isTerminalTaskStatus(to)) return { kind: 'duplicate' };
    return { kind: 'reject', message: `Run ${run.id} is already ${run.status}; it cannot become ${to}` };
  }
  const from = runProgress(run.status);
  const next = runProgress(to);
  if (next > from) return { kind: 'apply', to };
  if (next < from) return { kind: 'duplicate' };
  return report.currentStep > run.currentStep ? { kind: 'apply', to } : { kind: 'duplicate' };
}
