import { taskDetailSchema } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { TaskRunEntity } from './task-run.entity';
import type { TaskStepEntity } from './task-step.entity';
import type { TaskEntity } from './task.entity';
import { toTaskDetail, toTaskTarget } from './task.mapper';

const at = new Date('2030-01-01T00:00:00.000Z');

function task(overrides: Partial<TaskEntity> = {}): TaskEntity {
  return {
    id: 1,
    zoneId: 2,
    name: 'job',
    taskType: 'atOnce',
    status: 'wait-polling',
    targetKind: 'agent',
    targetAgentKey: 'a1',
    targetLabels: null,
    exeAgentChangeable: false,
    scheduleAt: null,
    cron: null,
    timeZone: 'UTC',
    untilAt: null,
    timeoutSeconds: 30,
    maxRetries: 0,
    retryBackoffSeconds: 10,
    attempt: 0,
    overlapPolicy: 'skip',
    parameter: '{}',
    callbackUrl: null,
    showLog: true,
    eventFilter: 'all-statuses',
    totalStepCount: 1,
    currentStep: 0,
    failedStep: null,
    hasRecover: false,
    isFailedRecover: false,
    result: null,
    exeAgentKey: null,
    nextRunAt: null,
    createdByUserId: null,
    finishedAt: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

function stepRow(seq: number): TaskStepEntity {
  return {
    id: seq * 10,
    taskId: 1,
    seq,
    commandName: `s${seq}`,
    commandType: 'inline',
    command: 'true',
    isRecover: false,
  };
}

function runRow(id: number, createdAt: Date): TaskRunEntity {
  return {
    id,
    taskId: 1,
    zoneId: 2,
    agentId: null,
    agentKey: 'a1',
    attempt: 1,
    status: 'complete',
    leaseEpoch: 1,
    currentStep: 1,
    failedStep: null,
    result: null,
    error: null,
    startedAt: createdAt,
    finishedAt: null,
    heartbeatAt: null,
    createdAt,
    updatedAt: createdAt,
  };
}

describe('task mapper', () => {
  it("maps an agent target to Klevr's agentKey and keeps the contract", () => {
    const detail = toTaskDetail(task({ timeoutSeconds: 30, eventFilter: 'both-ends' }), [], []);
    expect(detail).toMatchObject({
      target: { kind: 'agent', agentKey: 'a1' },
      agentKey: 'a1',
      timeout: 30,
      eventHookSendingType: 'both-ends',
    });
    expect(taskDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('gives an empty agentKey for other targets', () => {
    expect(toTaskDetail(task({ targetKind: 'all', targetAgentKey: null }), [], []).agentKey).toBe('');
    expect(
      toTaskTarget({ targetKind: 'labels', targetAgentKey: null, targetLabels: { env: 'prod' } }),
    ).toEqual({ kind: 'labels', labels: { env: 'prod' } });
  });

  it('sorts steps by seq and runs newest first', () => {
    const detail = toTaskDetail(
      task(),
      [stepRow(3), stepRow(1), stepRow(2)],
      [
        runRow(1, new Date('2030-01-01T00:00:00Z')),
        runRow(3, new Date('2030-01-03T00:00:00Z')),
        runRow(2, new Date('2030-01-02T00:00:00Z')),
      ],
    );
    expect(detail.steps.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(detail.runs.map((r) => r.id)).toEqual([3, 2, 1]);
  });
});
