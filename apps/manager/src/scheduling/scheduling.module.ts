import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { WorkSignalModule } from '../work/work-signal';
import { SchedulingRepository } from './scheduling.repository';
import { TaskScheduler } from './task-scheduler.service';
import { TaskSchedulerWorker } from './task-scheduler.worker';

/** Scheduled tasks and iteration ticks for every zone: the `task-scheduler` worker. */
@Module({
  imports: [TasksModule, WorkSignalModule],
  providers: [SchedulingRepository, TaskScheduler, TaskSchedulerWorker],
  exports: [TaskScheduler],
})
export class SchedulingModule {}
