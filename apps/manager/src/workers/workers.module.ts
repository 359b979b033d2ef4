import { Global, Module } from '@nestjs/common';
import { WorkerHost } from './worker-host';
import { WorkerLockRepository } from './worker-lock.repository';
import { WorkerRegistry } from './worker-registry';

/**
 * The background worker host (ARCHITECTURE §6). Global: any feature module injects the
 * WorkerRegistry and registers its workers in `onModuleInit`.
 */
@Global()
@Module({
  providers: [WorkerRegistry, WorkerLockRepository, WorkerHost],
  exports: [WorkerRegistry, WorkerLockRepository, WorkerHost],
})
export class WorkersModule {}
