import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { ElectionModule } from '../election/election.module';
import { TasksModule } from '../tasks/tasks.module';
import { AgentSightings } from './agent-sightings';
import { DeliveryService } from './delivery.service';
import { ReportService } from './report.service';
import { WorkController } from './work.controller';
import { WorkSignalModule } from './work-signal';
import { WorkRepository } from './work.repository';

/**
 * The work half of the agent protocol: the primary's long-poll (lazy scheduling, dispatch,
 * redelivery, cancels), run fetch, and reports. Drives tasks only through the tasks feature's
 * TaskTransitions; the lease comes from the election.
 */
@Module({
  imports: [TasksModule, ElectionModule, CredentialsModule, WorkSignalModule],
  controllers: [WorkController],
  providers: [WorkRepository, AgentSightings, DeliveryService, ReportService],
})
export class WorkModule {}
