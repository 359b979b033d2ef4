import type { TaskDetail, TaskLogChunk, TaskRun, TaskStep, TaskSummary, TaskTarget } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { TaskLogChunkEntity } from './task-log-chunk.entity';
import type { TaskRunEntity } from './task-run.entity';
import type { TaskStepEntity } from './task-step.entity';
import type { TaskEntity } from './task.entity';

/** Rebuilds the target from its columns; a row missing its key or labels falls back to `any`. */
export function toTaskTarget(
  task: Pick<TaskEntity, 'targetKind' | 'targetAgentKey' | 'targetLabels'>,
): TaskTarget {
  switch (task.targetKind) {
    case 'agent':
      return task.targetAgentKey ? { kind: 'agent', agentKey: task.targetAgentKey } : { kind: 'any' };
    case 'labels':
      return task.targetLabels && Object.keys(task.targetLabels).length > 0
        ? { kind: 'labels', labels: task.targetLabels }
        : { kind: 'any' };
    case 'all':
      return { kind: 'all' };
    default:
      return { kind: 'any' };
  }
}

export function toTaskSummary(task: TaskEntity): TaskSummary {
  const target = toTaskTarget(task);
  return {
    id: task.id,
    zoneId: task.zoneId,
    name: task.name,
    taskType: task.taskType,
    status: task.status,
    target,
    agentKey: target.kind === 'agent' ? target.agentKey : '',
    exeAgentKey: task.exeAgentKey,
    exeAgentChangeable: task.exeAgentChangeable,
    schedule: iso(task.scheduleAt),
    cron: task.cron,
    timeZone: task.timeZone,
    untilRun: iso(task.untilAt),
    timeout: task.timeoutSeconds,
    maxRetries: task.maxRetries,
    attempt: task.attempt,
    totalStepCount: task.totalStepCount,
    currentStep: task.currentStep,
    failedStep: task.failedStep,
    hasRecover: task.hasRecover,
    isFailedRecover: task.isFailedRecover,
    showLog: task.showLog,
    eventHookSendingType: task.eventFilter,
    nextRunAt: iso(task.nextRunAt),
    createdAt: iso(task.createdAt),
    updatedAt: iso(task.updatedAt),
    finishedAt: iso(task.finishedAt),
  };
}

export function toTaskStep(step: TaskStepEntity): TaskStep {
  return {
    id: step.id,
    seq: step.seq,
    commandName: step.commandName,
    commandType: step.commandType,
    command: step.command,
    isRecover: step.isRecover,
  };
}

export function toTaskRun(run: TaskRunEntity): TaskRun {
  return {
    id: run.id,
    attempt: run.attempt,
    agentKey: run.agentKey,
    status: run.status,
    currentStep: run.currentStep,
    failedStep: run.failedStep,
    result: run.result,
    error: run.error,
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    heartbeatAt: iso(run.heartbeatAt),
  };
}

/** Steps by seq, runs newest first, whatever order they were loaded in. */
export function toTaskDetail(task: TaskEntity, steps: TaskStepEntity[], runs: TaskRunEntity[]): TaskDetail {
  return {
    ...toTaskSummary(task),
    parameter: task.parameter,
    callbackUrl: task.callbackUrl,
    result: task.result,
    overlapPolicy: task.overlapPolicy,
    retryBackoffSeconds: task.retryBackoffSeconds,
    steps: [...steps].sort((a, b) => a.seq - b.seq).map(toTaskStep),
    runs: [...runs]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
      .map(toTaskRun),
  };
}

export function toTaskLogChunk(chunk: TaskLogChunkEntity): TaskLogChunk {
  return {
    runId: chunk.runId,
    seq: chunk.seq,
    stepSeq: chunk.stepSeq,
    stream: chunk.stream,
    content: chunk.content,
    createdAt: iso(chunk.createdAt),
  };
}
