import { Injectable } from '@nestjs/common';
import {
  type EventData,
  eventFilterSelects,
  type EventType,
  schemaVersionOf,
  taskCallbackFlags,
  type TaskStatus,
} from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { EventEntity } from '../events/event.entity';
import { newTaskCallbackSubscription } from '../webhooks/task-callback-subscription';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { TaskEntity } from './task.entity';

/** Event types the tasks feature writes; the events feature delivers them later. */
export const TASK_EVENT_TYPES = {
  created: 'TASK_CREATED',
  statusChanged: 'TASK_STATUS_CHANGED',
  runStatusChanged: 'TASK_RUN_STATUS_CHANGED',
  callback: 'TASK_CALLBACK',
} as const satisfies Record<string, EventType>;

export type TaskCreatedPayload = EventData<'TASK_CREATED'>;
export type TaskStatusChangedPayload = EventData<'TASK_STATUS_CHANGED'>;
export type TaskRunStatusChangedPayload = EventData<'TASK_RUN_STATUS_CHANGED'>;
export type TaskCallbackPayload = EventData<'TASK_CALLBACK'>;

/** What the task looked like before the change: its filter decides, its result is compared. */
export type TaskBeforeChange = Pick<TaskEntity, 'id' | 'zoneId' | 'eventFilter' | 'result'>;

/**
 * Writes task events to the outbox. It takes the caller's EntityManager on purpose: the event must
 * be written in the same transaction as the change it reports, or not at all.
 */
@Injectable()
export class TaskEventsWriter {
  constructor(private readonly box: SecretBox) {}

  /**
   * TASK_CREATED, and for a task with a callback URL its callback subscription with a fresh
   * signing secret, returned here once (the caller shows it in the create answer) and stored sealed.
   */
  async taskCreated(
    task: TaskEntity,
    occurredAt: Date,
    manager: EntityManager,
  ): Promise<{ callbackSecret: string | null }> {
    const payload: TaskCreatedPayload = {
      taskId: task.id,
      zoneId: task.zoneId,
      name: task.name,
      status: task.status,
    };
    await this.write(TASK_EVENT_TYPES.created, task, payload, occurredAt, manager);
    if (!task.callbackUrl) return { callbackSecret: null };
    const { secret, subscription } = newTaskCallbackSubscription(task, this.box, occurredAt);
    await manager.insert(WebhookSubscriptionEntity, subscription);
    return { callbackSecret: secret };
  }

  /**
   * TASK_STATUS_CHANGED, and TASK_CALLBACK when the task's event filter selects this change (Klevr
   * emitted it for every update, whatever the filter). Call it after the UPDATE, in its transaction:
   * the callback reports the task as the change left it.
   */
  async statusChanged(
    task: TaskBeforeChange,
    from: TaskStatus,
    to: TaskStatus,
    occurredAt: Date,
    manager: EntityManager,
  ): Promise<void> {
    const payload: TaskStatusChangedPayload = { taskId: task.id, zoneId: task.zoneId, from, to };
    await this.write(TASK_EVENT_TYPES.statusChanged, task, payload, occurredAt, manager);
    // Only the result filter needs the row as the change left it to decide.
    const mightSelect =
      task.eventFilter === 'changed-result' ||
      eventFilterSelects(task.eventFilter, { from, to, resultChanged: false });
    if (!mightSelect) return;
    const after = await manager.findOneBy(TaskEntity, { id: task.id });
    if (!after) return;
    const resultChanged = (after.result ?? null) !== (task.result ?? null);
    if (!eventFilterSelects(task.eventFilter, { from, to, resultChanged })) return;
    const callback: TaskCallbackPayload = {
      taskId: after.id,
      zoneId: after.zoneId,
      name: after.name,
      status: to,
      result: after.result,
      currentStep: after.currentStep,
      failedStep: after.failedStep,
      exeAgentKey: after.exeAgentKey,
      ...taskCallbackFlags(to, after.failedStep),
    };
    await this.write(TASK_EVENT_TYPES.callback, task, callback, occurredAt, manager);
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
    await this.write(TASK_EVENT_TYPES.runStatusChanged, task, payload, occurredAt, manager, run.agentId);
  }

  private async write<T extends EventType>(
    type: T,
    task: Pick<TaskEntity, 'id' | 'zoneId'>,
    payload: EventData<T>,
    occurredAt: Date,
    manager: EntityManager,
    agentId: number | null = null,
  ): Promise<void> {
    await manager.save(
      EventEntity,
      manager.create(EventEntity, {
        type,
        schemaVersion: schemaVersionOf(type),
        zoneId: task.zoneId,
        taskId: task.id,
        agentId,
        payload: { ...payload },
        occurredAt,
        publishedAt: null,
      }),
    );
  }
}
