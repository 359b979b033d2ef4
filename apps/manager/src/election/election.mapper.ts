import type { PrimaryElection } from '@outpost/shared';
import { iso } from '../common/http/iso';
import type { PrimaryElectionEntity } from './primary-election.entity';

export function toPrimaryElection(entity: PrimaryElectionEntity): PrimaryElection {
  return {
    id: entity.id,
    zoneId: entity.zoneId,
    epoch: entity.epoch,
    agentKey: entity.agent?.agentKey ?? null,
    previousAgentKey: entity.previousAgent?.agentKey ?? null,
    reason: entity.reason,
    electedAt: iso(entity.electedAt),
  };
}
