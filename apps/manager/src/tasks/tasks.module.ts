import { Module } from '@nestjs/common';
import { ZonesModule } from '../zones/zones.module';
import { CommandsController } from './commands.controller';
import { TaskEventsWriter } from './task-events.writer';
import { TaskTransitions } from './task-transitions';
import { TasksController } from './tasks.controller';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/** Exports the transitions and the event writer for the features that drive tasks later (delivery, workers). */
@Module({
  imports: [ZonesModule],
  controllers: [TasksController, CommandsController],
  providers: [TasksRepository, TasksService, TaskTransitions, TaskEventsWriter],
  exports: [TasksService, TaskTransitions, TaskEventsWriter, TasksRepository],
})
export class TasksModule {}
