import { Module, type OnModuleInit } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { WorkerRegistry } from '../workers/worker-registry';
import { ZonesModule } from '../zones/zones.module';
import { WebhookDeliveryJob } from './jobs/webhook-delivery.job';
import { WebhookFanoutJob } from './jobs/webhook-fanout.job';
import { WebhookDeliverer, WebhookFanout } from './webhook-dispatch.service';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * Webhook subscriptions (inner API), and the two workers that deliver events to them and to task
 * callback URLs: `webhook-fanout` (outbox → deliveries) and `webhook-delivery` (signed POSTs with
 * retries, backoff and a dead letter).
 */
@Module({
  imports: [ZonesModule, EventsModule],
  controllers: [WebhooksController],
  providers: [
    WebhooksRepository,
    WebhooksService,
    WebhookSender,
    WebhookFanout,
    WebhookDeliverer,
    WebhookFanoutJob,
    WebhookDeliveryJob,
  ],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly fanout: WebhookFanoutJob,
    private readonly delivery: WebhookDeliveryJob,
  ) {}

  onModuleInit(): void {
    this.registry.register(this.fanout);
    this.registry.register(this.delivery);
  }
}
