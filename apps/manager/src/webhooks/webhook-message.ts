import { TASK_RESULT_CALLBACK_TYPE, type TaskResultCallback, type TaskStatus } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { EventEntity } from '../events/event.entity';
import { toEventEnvelope } from '../events/event-envelope.mapper';
import type { TaskEntity } from '../tasks/task.entity';

/** What one delivery sends: the body (signed as is) and its `X-Outpost-Event-Type`. */
export interface WebhookMessage {
  type: string;
  body: string;
}

/** A webhook gets the event envelope: the same bytes on every attempt, built from the stored event. */
export function webhookMessage(event: EventEntity): WebhookMessage {
  return { type: event.type, body: JSON.stringify(toEventEnvelope(event)) };
}

/**
 * A task's callback URL gets Klevr's `{ id, name, status, result }` plus the zone and the time it
 * finished, from the task row. The row is final once the task is (terminal statuses have no way
 * out), so every attempt sends the same bytes.
 */
export function taskCallbackMessage(
  event: EventEntity,
  task: Pick<TaskEntity, 'id' | 'name' | 'status' | 'result' | 'zoneId' | 'finishedAt'>,
): WebhookMessage {
  const to = event.payload['to'];
  const body: TaskResultCallback = {
    id: task.id,
    name: task.name,
    status: typeof to === 'string' ? (to as TaskStatus) : task.status,
    result: task.result,
    zoneId: task.zoneId,
    finishedAt: iso(task.finishedAt),
  };
  return { type: TASK_RESULT_CALLBACK_TYPE, body: JSON.stringify(body) };
}
