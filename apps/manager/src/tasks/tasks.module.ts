import { Module } from '@nestjs/common';

// Placeholder while the feature is being written.
@Module({})
export class TasksModule {}
