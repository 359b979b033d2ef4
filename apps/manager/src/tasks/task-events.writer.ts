import { Injectable } from '@nestjs/common';
import {
  type EventData,
  eventFilterSelects,
  type EventType,
  schemaVersionOf,
  taskCallbackFlags,
  type TaskStatus,
} from '@outpost/shared';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
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
 * The task as the change left it, when the caller knows it exactly (it holds the row locked and
 * wrote the change itself): spares reading it back for the callback.
 */
export type TaskAfterChange = Pick<
  TaskEntity,
  'id' | 'zoneId' | 'name' | 'result' | 'currentStep' | 'failedStep' | 'exeAgentKey'
>;

/**
 * Writes task events to the outbox. It takes the caller's EntityManager on purpose: the event must
 * be written in the same transaction as the change it reports, or not at all.
 */
@Injectable()
export class TaskEventsWriter {
  /** The event rows of transactions inside `batched`, by their EntityManager. */
  private readonly batches = new WeakMap<EntityManager, EventRow[]>();

  constructor(private readonly box: SecretBox) {}

  /**
   * Runs `work` in the caller's transaction and writes the task events it writes in ONE INSERT
   * when it has finished, in the order they were written (ids follow the order of the rows). For
   * work that reads no events it wrote itself. If `work` throws, its events are dropped with the
   * transaction it is rolling back. Inside another `batched` of the same transaction, the outer
   * one writes them.
   */
  async batched<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    if (this.batches.has(manager)) return work();
    const rows: EventRow[] = [];
    this.batches.set(manager, rows);
    try {
      const result = await work();
      if (rows.length > 0) await insertEvents(rows, manager);
      return result;
    } finally {
      this.batches.delete(manager);
    }
  }

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
   * the callback reports the task as the change left it (`known`, or read back). Both rows go in
   * one INSERT, the status change first (ids follow the order of the rows).
   */
  async statusChanged(
    task: TaskBeforeChange,
    from: TaskStatus,
    to: TaskStatus,
    occurredAt: Date,
    manager: EntityManager,
    known?: TaskAfterChange,
  ): Promise<void> {
    const payload: TaskStatusChangedPayload = { taskId: task.id, zoneId: task.zoneId, from, to };
    const rows = [eventRow(TASK_EVENT_TYPES.statusChanged, task, payload, occurredAt)];
    const callback = await this.callbackOf(task, from, to, manager, known);
    if (callback) rows.push(eventRow(TASK_EVENT_TYPES.callback, task, callback, occurredAt));
    await this.insert(rows, manager);
  }

  /** The TASK_CALLBACK payload when the task's filter selects the change, else null. */
  private async callbackOf(
    task: TaskBeforeChange,
    from: TaskStatus,
    to: TaskStatus,
    manager: EntityManager,
    known: TaskAfterChange | undefined,
  ): Promise<TaskCallbackPayload | null> {
    // Only the result filter needs the row as the change left it to decide.
    const mightSelect =
      task.eventFilter === 'changed-result' ||
      eventFilterSelects(task.eventFilter, { from, to, resultChanged: false });
    if (!mightSelect) return null;
    const after = known ?? (await manager.findOneBy(TaskEntity, { id: task.id }));
    if (!after) return null;
    const resultChanged = (after.result ?? null) !== (task.result ?? null);
    if (!eventFilterSelects(task.eventFilter, { from, to, resultChanged })) return null;
    return {
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
    await this.insert([eventRow(type, task, payload, occurredAt, agentId)], manager);
  }

  /** Now, or with the rest of the transaction's events when it is `batched`. */
  private async insert(rows: EventRow[], manager: EntityManager): Promise<void> {
    const batch = this.batches.get(manager);
    if (batch) batch.push(...rows);
    else await insertEvents(rows, manager);
  }
}

type EventRow = Omit<EventEntity, 'id'>;

function eventRow<T extends EventType>(
  type: T,
  task: Pick<TaskEntity, 'id' | 'zoneId'>,
  payload: EventData<T>,
  occurredAt: Date,
  agentId: number | null = null,
): EventRow {
  return {
    type,
    schemaVersion: schemaVersionOf(type),
    zoneId: task.zoneId,
    taskId: task.id,
    agentId,
    payload: { ...payload },
    occurredAt,
    publishedAt: null,
  };
}

/**
 * Plain INSERTs (`save` would build a change set for rows that are only ever inserted), several
 * rows in one statement.
 */
async function insertEvents(rows: EventRow[], manager: EntityManager): Promise<void> {
  // The JSON payload is one column: TypeORM's deep-partial type cannot say so.
  await manager.insert(EventEntity, rows as QueryDeepPartialEntity<EventEntity>[]);
}
