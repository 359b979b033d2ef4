import { Module } from '@nestjs/common';
import { ElectionModule } from '../election/election.module';
import { WorkSignalModule } from '../work/work-signal';
import { ZonesModule } from '../zones/zones.module';
import { AgentApiController } from './agent-api.controller';
import { AgentApiRepository } from './agent-api.repository';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { AgentPresenceService } from './agent-presence.service';
import { JoinTokensController } from './join-tokens.controller';
import { JoinTokensRepository } from './join-tokens.repository';
import { JoinTokensService } from './join-tokens.service';

/**
 * The agent protocol's identity half (join, session, handshake, lease) and the join tokens that
 * feed it. Exports what task delivery (poll, report) builds on: presence (members, settings, LAN
 * secret) and, through ElectionModule, the lease.
 */
@Module({
  imports: [ZonesModule, ElectionModule, WorkSignalModule],
  controllers: [AgentApiController, JoinTokensController],
  providers: [
    AgentApiRepository,
    AgentEnrollmentService,
    AgentPresenceService,
    JoinTokensRepository,
    JoinTokensService,
  ],
  exports: [AgentPresenceService, JoinTokensService, ElectionModule],
})
export class AgentApiModule {}
