import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { WorkSignalModule } from '../work/work-signal';
import { WorkerRegistry } from '../workers/worker-registry';
import { EventPublisherWorker } from './event-publisher.worker';
import { OutboxPublisher } from './outbox-publisher';
import { OutboxRepository } from './outbox.repository';
import { WakeupRelay } from './wakeup-relay';

/**
 * Event publication (outbox → bus, worker `event-publisher`) and cross-manager wake-ups. The bus
 * itself is the global BusModule (common/messaging).
 */
@Module({
  imports: [WorkSignalModule],
  providers: [OutboxRepository, OutboxPublisher, WakeupRelay],
  exports: [OutboxRepository],
})
export class MessagingModule implements OnModuleInit {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly publisher: OutboxPublisher,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'eventPublishing'>,
  ) {}

  onModuleInit(): void {
    this.registry.register(new EventPublisherWorker(this.publisher, this.config.eventPublishing.intervalMs));
  }
}
