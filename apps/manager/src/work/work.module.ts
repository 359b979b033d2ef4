import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { ElectionModule } from '../election/election.module';
import { TasksModule } from '../tasks/tasks.module';
import { AgentSightings } from './agent-sightings';
import { DeliveryService } from './delivery.service';
import { ReportService } from './report.service';
import { RunReaper } from './run-reaper';
import { RunReaperRepository } from './run-reaper.repository';
import { RunReaperWorker } from './run-reaper.worker';
import { TaskDerivation } from './task-derivation';
import { WorkController } from './work.controller';
import { WorkSignalModule } from './work-signal';
import { WorkRepository } from './work.repository';

/**
 * The work half of the agent protocol: the primary's long-poll (lazy scheduling, dispatch,
 * redelivery, cancels), run fetch, and reports. Drives tasks only through the tasks feature's
 * TaskTransitions; the lease comes from the election. Also the run reaper worker (runs of lost
 * agents, silent runs, runs past their timeout), which ends runs through the same derivation.
 */
@Module({
  imports: [TasksModule, ElectionModule, CredentialsModule, WorkSignalModule],
  controllers: [WorkController],
  providers: [
    WorkRepository,
    AgentSightings,
    DeliveryService,
    ReportService,
    TaskDerivation,
    RunReaperRepository,
    RunReaper,
    RunReaperWorker,
  ],
})
export class WorkModule {}
