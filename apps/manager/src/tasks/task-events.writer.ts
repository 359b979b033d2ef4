import { Injectable } from '@nestjs/common';
import type { TaskStatus } from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { EventEntity } from '../events/event.entity';
import type { TaskEntity } from './task.entity';

/** Event types the tasks feature writes; the events feature delivers them later. */
export const TASK_EVENT_TYPES = {
  created: 'TASK_CREATED',
  statusChanged: 'TASK_STATUS_CHANGED',
  runStatusChanged: 'TASK_RUN_STATUS_CHANGED',
} as const;

const SCHEMA_VERSION = 1;

export interface TaskCreatedPayload {
  taskId: number;
  zoneId: number;
  name: string;
  status: TaskStatus;
}

export interface TaskStatusChangedPayload {
  taskId: number;
  zoneId: number;
  from: TaskStatus;
  to: TaskStatus;
}

export interface TaskRunStatusChangedPayload {
  runId: number;
  taskId: number;
  zoneId: number;
  agentKey: string | null;
  /** null when the run was just created (handed over). */
  from: TaskStatus | null;
  to: TaskStatus;
}

/**
 * Writes task events to the outbox. It takes the caller's EntityManager on purpose: the event must
 * be written in the same transaction as the change it reports, or not at all.
 */
@Injectable()
export class TaskEventsWriter {
  async taskCreated(task: TaskEntity, occurredAt: Date, manager: EntityManager): Promise<void> {
    const payload: TaskCreatedPayload = {
      taskId: task.id,
      zoneId: task.zoneId,
      name: task.name,
      status: task.status,
    };
    await this.write(TASK_EVENT_TYPES.created, task, { ...payload }, occurredAt, manager);
  }

  async statusChanged(
    task: Pick<TaskEntity, 'id' | 'zoneId'>,
    from: TaskStatus,
    to: TaskStatus,
    occurredAt: Date,
    manager: EntityManager,
  ): Promise<void> {
    const payload: TaskStatusChangedPayload = { taskId: task.id, zoneId: task.zoneId, from, to };
    await this.write(TASK_EVENT_TYPES.statusChanged, task, { ...payload }, occurredAt, manager);
  }

  /** A run's status changed (created, acknowledged, progressed, finished). */
  async runStatusChanged(
    run: { id: number; taskId: number; zoneId: number; agentId: number | null; agentKey: string | null },
    from: TaskStatus | null,
    to: TaskStatus,
    occurredAt: Date,
    manager: EntityManager,
  ): Promise<void> {
    const payload: TaskRunStatusChangedPayload = {
      runId: run.id,
      taskId: run.taskId,
      zoneId: run.zoneId,
      agentKey: run.agentKey,
      from,
      to,
    };
    const task = { id: run.taskId, zoneId: run.zoneId };
    await this.write(
      TASK_EVENT_TYPES.runStatusChanged,
      task,
      { ...payload },
      occurredAt,
      manager,
      run.agentId,
    );
  }

  private async write(
    type: string,
    task: Pick<TaskEntity, 'id' | 'zoneId'>,
    payload: Record<string, unknown>,
    occurredAt: Date,
    manager: EntityManager,
    agentId: number | null = null,
  ): Promise<void> {
    await manager.save(
      EventEntity,
      manager.create(EventEntity, {
        type,
        schemaVersion: SCHEMA_VERSION,
        zoneId: task.zoneId,
        taskId: task.id,
        agentId,
        payload,
        occurredAt,
        publishedAt: null,
      }),
    );
  }
}
