import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import type { Worker, WorkerContext } from '../../workers/worker';
import { WebhookFanout } from '../webhook-dispatch.service';

/** Worker `webhook-fanout`: new outbox events → webhook and task-callback deliveries. */
@Injectable()
export class WebhookFanoutJob implements Worker {
  readonly name = 'webhook-fanout';
  readonly intervalMs: number;

  constructor(
    private readonly fanout: WebhookFanout,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.intervalMs = config.webhooks.fanoutIntervalMs;
  }

  async runOnce(context: WorkerContext): Promise<{ again: boolean }> {
    if (context.signal.aborted) return { again: false };
    return { again: await this.fanout.fanOutBatch() };
  }
}
