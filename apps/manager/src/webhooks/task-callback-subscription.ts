import type { TaskEntity } from '../tasks/task.entity';
import type { SecretBox } from '../common/crypto/secret-box';
import { generateSigningSecret } from './webhook-secret';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** The event a callback subscription listens to; the fan-out sends only the terminal ones. */
export const TASK_CALLBACK_TRIGGER = 'TASK_STATUS_CHANGED';

/**
 * The subscription behind a task's callback URL (written with the task, in its transaction): the
 * manager, not the agent, POSTs the final result, signed with a secret of its own, with retries
 * and a delivery log like any webhook.
 */
export function newTaskCallbackSubscription(
  task: Pick<TaskEntity, 'id' | 'zoneId' | 'callbackUrl' | 'createdByUserId'>,
  box: SecretBox,
  now: Date,
): { secret: string; subscription: Omit<WebhookSubscriptionEntity, 'id'> } {
  if (!task.callbackUrl) throw new Error(`task ${task.id} has no callback URL`);
  const secret = generateSigningSecret();
  return {
    secret,
    subscription: {
      zoneId: task.zoneId,
      taskId: task.id,
      url: task.callbackUrl,
      eventTypes: [TASK_CALLBACK_TRIGGER],
      secretCiphertext: box.seal(secret),
      isActive: true,
      createdByUserId: task.createdByUserId,
      createdAt: now,
      updatedAt: now,
    },
  };
}
