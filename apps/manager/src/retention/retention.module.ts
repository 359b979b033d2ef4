import { Module } from '@nestjs/common';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';
import { RetentionWorker } from './retention.worker';

/** Retention of logs, finished tasks and delivered events: the `retention` worker. */
@Module({
  providers: [RetentionRepository, RetentionService, RetentionWorker],
  exports: [RetentionService],
})
export class RetentionModule {}
