import { isTerminalTaskStatus, type TaskStatus, taskStatuses, WEBHOOK_ALL_EVENTS } from '@outpost/shared';
import { TASK_CALLBACK_TRIGGER } from './task-callback-subscription';

/** What the fan-out needs to know about a subscription. */
export interface SubscriptionTarget {
  id: number;
  zoneId: number | null;
  /** Set for a task's callback URL. */
  taskId: number | null;
  eventTypes: readonly string[];
  isActive: boolean;
  createdAt: Date;
}

/** What the fan-out needs to know about an event. */
export interface FanoutEvent {
  id: number;
  type: string;
  zoneId: number | null;
  taskId: number | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

function isTerminalChange(event: FanoutEvent): boolean {
  const to = event.payload['to'];
  return (
    typeof to === 'string' &&
    (taskStatuses as readonly string[]).includes(to) &&
    isTerminalTaskStatus(to as TaskStatus)
  );
}

/**
 * Whether the subscription gets a delivery of the event.
 * - A webhook: active, of the event's zone or of all zones (null), subscribed to the type or to
 *   `*`, and created before the event happened (a new webhook does not get the backlog).
 * - A task's callback URL: only its own task's change into a terminal status.
 */
export function subscriptionWants(subscription: SubscriptionTarget, event: FanoutEvent): boolean {
  if (!subscription.isActive) return false;
  if (subscription.taskId !== null) {
    return (
      event.taskId === subscription.taskId && event.type === TASK_CALLBACK_TRIGGER && isTerminalChange(event)
    );
  }
  if (subscription.zoneId !== null && subscription.zoneId !== event.zoneId) return false;
  if (event.occurredAt.getTime() < subscription.createdAt.getTime()) return false;
  return subscription.eventTypes.includes(WEBHOOK_ALL_EVENTS) || subscription.eventTypes.includes(event.type);
}

/** The (subscription, event) pairs of a batch, in event order. */
export function planDeliveries(
  events: readonly FanoutEvent[],
  subscriptions: readonly SubscriptionTarget[],
): { subscriptionId: number; event: FanoutEvent }[] {
  return events.flatMap((event) =>
    subscriptions
      .filter((subscription) => subscriptionWants(subscription, event))
      .map((subscription) => ({ subscriptionId: subscription.id, event })),
  );
}
