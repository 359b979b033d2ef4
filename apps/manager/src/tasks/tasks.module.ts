import { Module } from '@nestjs/common';
import { ElectionModule } from '../election/election.module';
import { WorkSignalModule } from '../work/work-signal';
import { ZonesModule } from '../zones/zones.module';
import { CommandsController } from './commands.controller';
import { TaskEventsWriter } from './task-events.writer';
import { TaskRelease } from './task-release';
import { TaskTransitions } from './task-transitions';
import { TasksController } from './tasks.controller';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/** Exports the transitions and the event writer for the features that drive tasks later (delivery, workers). */
@Module({
  // ElectionModule for its TransactionRunner (the one queue of transactions on SQLite);
  // WorkSignalModule to wake the zone's primary when work becomes deliverable.
  imports: [ZonesModule, ElectionModule, WorkSignalModule],
  controllers: [TasksController, CommandsController],
  providers: [TasksRepository, TasksService, TaskTransitions, TaskEventsWriter, TaskRelease],
  exports: [TasksService, TaskTransitions, TaskEventsWriter, TasksRepository, TaskRelease],
})
export class TasksModule {}
