import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { WebhookDispatch1763900000000 } from './1763900000000-webhook-dispatch';
import { IdempotentJoin1764000000000 } from './1764000000000-idempotent-join';

/** Every migration, oldest first. Append new ones; never edit or reorder landed ones. */
export const allMigrations = [
  InitialSchema1763800000000,
  WebhookDispatch1763900000000,
  IdempotentJoin1764000000000,
];
