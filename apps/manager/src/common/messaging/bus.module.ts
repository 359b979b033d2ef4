import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';
import { AmqpBus } from './amqp-bus';
import { EventBus } from './event-bus';
import { InProcessBus } from './in-process-bus';

/** Picks the driver: RabbitMQ when OUTPOST_AMQP_URL is set, the in-process bus otherwise. */
export function createEventBus(config: Pick<AppConfig, 'amqpUrl' | 'amqpExchanges'>): EventBus {
  if (!config.amqpUrl) return new InProcessBus();
  return new AmqpBus({
    url: config.amqpUrl,
    exchanges: config.amqpExchanges,
    instanceId: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    logger: new Logger('RabbitMQ'),
  });
}

/**
 * The one EventBus of the process, global like the clock: the outbox publisher, the live stream,
 * the wake-up relay and the report service's log hook share it. Connects at module init (waiting a
 * few seconds at most: the manager also boots while RabbitMQ is down, and catches up later).
 */
@Global()
@Module({
  providers: [{ provide: EventBus, useFactory: createEventBus, inject: [APP_CONFIG] }],
  exports: [EventBus],
})
export class BusModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}

  async onModuleInit(): Promise<void> {
    await this.bus.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus.stop();
  }
}
