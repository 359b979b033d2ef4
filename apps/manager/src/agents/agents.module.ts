import { Module } from '@nestjs/common';
import { ElectionModule } from '../election/election.module';
import { WorkSignalModule } from '../work/work-signal';
import { ZonesModule } from '../zones/zones.module';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

@Module({
  imports: [ZonesModule, ElectionModule, WorkSignalModule],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentsService],
  exports: [AgentsService, AgentsRepository],
})
export class AgentsModule {}
