import type {
  CreateTaskRequestInput,
  EventFilter,
  OverlapPolicy,
  TaskDetail,
  TaskTarget,
  TaskType,
} from '@outpost/shared';
import { isoToLocalInput, localInputToIso } from './task-filters-url';

export interface StepDraft {
  /** React key only; never sent. */
  key: string;
  commandType: 'inline' | 'reserved';
  /** The step's name (inline); reserved steps are named after their command. */
  commandName: string;
  /** The script (inline) or the reserved command's name. */
  command: string;
  isRecover: boolean;
}

export interface LabelDraft {
  key: string;
  value: string;
}

export type TargetKind = TaskTarget['kind'];

/** Everything the create form edits, in the shapes its inputs hold. */
export interface TaskDraft {
  name: string;
  taskType: TaskType;
  steps: StepDraft[];
  targetKind: TargetKind;
  agentKey: string;
  labels: LabelDraft[];
  /** `datetime-local` values, in the browser's time zone; '' for none. */
  schedule: string;
  untilRun: string;
  cron: string;
  timeZone: string;
  overlapPolicy: OverlapPolicy;
  timeout: number;
  maxRetries: number;
  retryBackoffSeconds: number;
  eventHookSendingType: EventFilter;
  callbackUrl: string;
  parameter: string;
  showLog: boolean;
}

let stepCounter = 0;
export function newStep(partial: Partial<Omit<StepDraft, 'key'>> = {}): StepDraft {
  stepCounter += 1;
  return {
    key: `step-${stepCounter}`,
    commandType: 'inline',
    commandName: '',
    command: '',
    isRecover: false,
    ...partial,
  };
}

export function emptyDraft(): TaskDraft {
  return {
    name: '',
    taskType: 'atOnce',
    steps: [newStep()],
    targetKind: 'any',
    agentKey: '',
    labels: [{ key: '', value: '' }],
    schedule: '',
    untilRun: '',
    cron: '',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    overlapPolicy: 'skip',
    timeout: 0,
    maxRetries: 0,
    retryBackoffSeconds: 10,
    eventHookSendingType: 'all-statuses',
    callbackUrl: '',
    parameter: '',
    showLog: true,
  };
}

function targetOf(draft: TaskDraft): TaskTarget {
  switch (draft.targetKind) {
    case 'agent':
      return { kind: 'agent', agentKey: draft.agentKey };
    case 'labels':
      return {
        kind: 'labels',
        labels: Object.fromEntries(
          draft.labels.filter((label) => label.key.trim() !== '').map((l) => [l.key.trim(), l.value.trim()]),
        ),
      };
    default:
      return { kind: draft.targetKind };
  }
}

/** The API body; the manager validates it and its errors name these same fields. */
export function draftToRequest(draft: TaskDraft, zoneId: number): CreateTaskRequestInput {
  const isIteration = draft.taskType === 'iteration';
  return {
    zoneId,
    name: draft.name,
    taskType: draft.taskType,
    target: targetOf(draft),
    schedule: localInputToIso(draft.schedule),
    ...(isIteration ? { cron: draft.cron, untilRun: localInputToIso(draft.untilRun) } : {}),
    timeZone: draft.timeZone,
    overlapPolicy: draft.overlapPolicy,
    timeout: draft.timeout,
    maxRetries: draft.maxRetries,
    retryBackoffSeconds: draft.retryBackoffSeconds,
    eventHookSendingType: draft.eventHookSendingType,
    ...(draft.callbackUrl.trim() ? { callbackUrl: draft.callbackUrl.trim() } : {}),
    parameter: draft.parameter,
    showLog: draft.showLog,
    steps: draft.steps.map((step, index) => ({
      seq: index + 1,
      commandType: step.commandType,
      commandName:
        step.commandType === 'reserved'
          ? step.command || `step ${index + 1}`
          : step.commandName.trim() || `step ${index + 1}`,
      command: step.command,
      isRecover: step.isRecover,
    })),
  };
}

/** A task's definition as a fresh draft (to run it again); times already past are dropped. */
export function taskToDraft(task: TaskDetail): TaskDraft {
  const future = (iso: string | null) =>
    iso && new Date(iso).getTime() > Date.now() ? isoToLocalInput(iso) : '';
  return {
    name: task.name,
    taskType: task.taskType,
    steps: task.steps.map((step) =>
      newStep({
        commandType: step.commandType,
        commandName: step.commandName,
        command: step.command,
        isRecover: step.isRecover,
      }),
    ),
    targetKind: task.target.kind,
    agentKey: task.target.kind === 'agent' ? task.target.agentKey : '',
    labels:
      task.target.kind === 'labels'
        ? Object.entries(task.target.labels).map(([key, value]) => ({ key, value }))
        : [{ key: '', value: '' }],
    schedule: future(task.schedule),
    untilRun: future(task.untilRun),
    cron: task.cron ?? '',
    timeZone: task.timeZone,
    overlapPolicy: task.overlapPolicy,
    timeout: task.timeout,
    maxRetries: task.maxRetries,
    retryBackoffSeconds: task.retryBackoffSeconds,
    eventHookSendingType: task.eventHookSendingType,
    callbackUrl: task.callbackUrl ?? '',
    parameter: task.parameter,
    showLog: task.showLog,
  };
}
