import { AgentEntity } from '../agents/agent.entity';
import { AuditLogEntity } from '../audit/audit-log.entity';
import { CredentialEntity } from '../credentials/credential.entity';
import { PrimaryElectionEntity } from '../election/primary-election.entity';
import { ZoneLeaseEntity } from '../election/zone-lease.entity';
import { EventCursorEntity } from '../events/event-cursor.entity';
import { EventEntity } from '../events/event.entity';
import { TaskLogChunkEntity } from '../tasks/task-log-chunk.entity';
import { TaskRunEntity } from '../tasks/task-run.entity';
import { TaskStepEntity } from '../tasks/task-step.entity';
import { TaskEntity } from '../tasks/task.entity';
import { ApiTokenEntity } from '../users/api-token.entity';
import { UserEntity } from '../users/user.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { WorkerLockEntity } from '../workers/worker-lock.entity';
import { JoinTokenEntity } from '../zones/join-token.entity';
import { ZoneApiKeyEntity } from '../zones/zone-api-key.entity';
import { ZoneEntity } from '../zones/zone.entity';

/** Every entity the manager maps. A table without an entity here is invisible to the schema check. */
export const allEntities = [
  UserEntity,
  ApiTokenEntity,
  ZoneEntity,
  ZoneApiKeyEntity,
  JoinTokenEntity,
  AgentEntity,
  ZoneLeaseEntity,
  PrimaryElectionEntity,
  TaskEntity,
  TaskStepEntity,
  TaskRunEntity,
  TaskLogChunkEntity,
  CredentialEntity,
  EventEntity,
  EventCursorEntity,
  WebhookSubscriptionEntity,
  WebhookDeliveryEntity,
  WorkerLockEntity,
  AuditLogEntity,
];
