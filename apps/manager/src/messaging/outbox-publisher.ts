import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { EventBus } from '../common/messaging/event-bus';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { ManagerMetrics } from '../metrics/manager-metrics';
import { toOutboundEvent } from './event-envelope.mapper';
import { OutboxRepository } from './outbox.repository';

export interface PublishPass {
  /** Events the bus confirmed in this pass (now marked published). */
  published: number;
  /** A full batch went out whole: more may be waiting, run again at once. */
  more: boolean;
}

/**
 * Moves the outbox to the bus: the oldest unpublished events, in id order, one batch per pass.
 * An event is marked published only once the bus confirmed it; the others stay unpublished and go
 * out again on a later pass with the same id (at-least-once). While the bus is disconnected the
 * outbox is not even read.
 */
@Injectable()
export class OutboxPublisher {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly bus: EventBus,
    private readonly metrics: ManagerMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'eventPublishing'>,
  ) {}

  async publishPending(): Promise<PublishPass> {
    if (!this.bus.isConnected()) return { published: 0, more: false };
    const { batchSize } = this.config.eventPublishing;
    const rows = await this.outbox.unpublished(batchSize);
    if (rows.length === 0) return { published: 0, more: false };
    const confirmed = await this.bus.publishEvents(rows.map(toOutboundEvent));
    await this.outbox.markPublished([...confirmed], this.clock.now());
    this.metrics.countPublishedEvents(confirmed.size);
    return { published: confirmed.size, more: rows.length === batchSize && confirmed.size === rows.length };
  }
}
