import { Injectable } from '@nestjs/common';
import type { WebhookDeliveryStatus } from '@outpost/shared';
import { DataSource, type EntityManager, In, IsNull } from 'typeorm';
import { skipTake } from '../database/paging';
import { EventEntity } from '../events/event.entity';
import { TaskEntity } from '../tasks/task.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export type NewDelivery = Omit<WebhookDeliveryEntity, 'id' | 'subscription' | 'event'>;

/** A delivery with what an attempt needs: its subscription and event (and task, for a callback). */
export interface DeliveryTarget {
  delivery: WebhookDeliveryEntity;
  subscription: WebhookSubscriptionEntity;
  event: EventEntity;
  task: TaskEntity | null;
}

/** The outcome of an attempt, written only if the delivery is still the one that was sent. */
export type AttemptChanges = Pick<
  WebhookDeliveryEntity,
  'status' | 'attempts' | 'nextAttemptAt' | 'lastResponseCode' | 'lastError' | 'deliveredAt' | 'updatedAt'
>;

const INSERT_CHUNK = 200;

@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  // --- webhooks (subscriptions without a task) ---

  insertSubscription(row: Omit<WebhookSubscriptionEntity, 'id'>): Promise<WebhookSubscriptionEntity> {
    const manager = this.dataSource.manager;
    return manager.save(WebhookSubscriptionEntity, manager.create(WebhookSubscriptionEntity, row));
  }

  findWebhook(id: number): Promise<WebhookSubscriptionEntity | null> {
    return this.dataSource.manager.findOneBy(WebhookSubscriptionEntity, { id, taskId: IsNull() });
  }

  findWebhookPage(query: {
    page: number;
    pageSize: number;
    zoneId?: number | undefined;
  }): Promise<[WebhookSubscriptionEntity[], number]> {
    return this.dataSource.manager.findAndCount(WebhookSubscriptionEntity, {
      where: { taskId: IsNull(), ...(query.zoneId !== undefined ? { zoneId: query.zoneId } : {}) },
      order: { id: 'DESC' },
      ...skipTake(query),
    });
  }

  saveSubscription(row: WebhookSubscriptionEntity): Promise<WebhookSubscriptionEntity> {
    return this.dataSource.manager.save(WebhookSubscriptionEntity, row);
  }

  /** Its deliveries go with it (foreign key, cascade). */
  async deleteSubscription(id: number): Promise<void> {
    await this.dataSource.manager.delete(WebhookSubscriptionEntity, { id });
  }

  /** The subscription behind a task's callback URL, if it has one. */
  findTaskCallback(taskId: number): Promise<WebhookSubscriptionEntity | null> {
    return this.dataSource.manager.findOneBy(WebhookSubscriptionEntity, { taskId });
  }

  taskExists(taskId: number): Promise<boolean> {
    return this.dataSource.manager.existsBy(TaskEntity, { id: taskId });
  }

  // --- fan-out ---

  /** Active webhooks, and the callback subscriptions of the given tasks. */
  activeSubscriptionsFor(
    taskIds: readonly number[],
    manager: EntityManager,
  ): Promise<WebhookSubscriptionEntity[]> {
    const where = [
      { isActive: true, taskId: IsNull() },
      ...(taskIds.length > 0 ? [{ isActive: true, taskId: In([...new Set(taskIds)]) }] : []),
    ];
    return manager.find(WebhookSubscriptionEntity, { where });
  }

  /** A delivery already planned for the pair is left alone (the fan-out may repeat a batch). */
  async insertDeliveries(rows: readonly NewDelivery[], manager: EntityManager): Promise<void> {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(WebhookDeliveryEntity)
        .values(rows.slice(start, start + INSERT_CHUNK).map((row) => ({ ...row })))
        .orIgnore()
        .execute();
    }
  }

  // --- delivery ---

  /**
   * Pending deliveries due now, oldest due first, of active subscriptions, skipping those in flight
   * and the busy subscriptions, and any delivery behind an earlier pending event of the same task
   * for the same subscription (so a receiver sees a task's events in order).
   */
  findDue(
    now: Date,
    limit: number,
    skip: { deliveryIds: readonly number[]; subscriptionIds: readonly number[] },
  ): Promise<WebhookDeliveryEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .innerJoin(WebhookSubscriptionEntity, 's', 's.id = d.subscriptionId')
      .where('s.isActive = :active', { active: 1 })
      .andWhere('d.status = :pending', { pending: 'pending' })
      .andWhere('d.nextAttemptAt <= :now', { now })
      .andWhere((outer) => {
        const earlier = outer
          .subQuery()
          .select('1')
          .from(WebhookDeliveryEntity, 'p')
          .where('p.subscriptionId = d.subscriptionId')
          .andWhere('p.taskId = d.taskId')
          .andWhere('p.status = :pending')
          .andWhere('p.eventId < d.eventId')
          .getQuery();
        return `NOT EXISTS ${earlier}`;
      });
    if (skip.deliveryIds.length > 0) {
      query.andWhere('d.id NOT IN (:...skipDeliveries)', { skipDeliveries: [...skip.deliveryIds] });
    }
    if (skip.subscriptionIds.length > 0) {
      query.andWhere('d.subscriptionId NOT IN (:...skipSubscriptions)', {
        skipSubscriptions: [...skip.subscriptionIds],
      });
    }
    return query.orderBy('d.nextAttemptAt', 'ASC').addOrderBy('d.id', 'ASC').limit(limit).getMany();
  }

  async findTarget(deliveryId: number): Promise<DeliveryTarget | null> {
    const manager = this.dataSource.manager;
    const delivery = await manager.findOne(WebhookDeliveryEntity, {
      where: { id: deliveryId },
      relations: { subscription: true, event: true },
    });
    if (!delivery?.subscription || !delivery.event) return null;
    const { subscription, event } = delivery;
    const task =
      subscription.taskId === null ? null : await manager.findOneBy(TaskEntity, { id: subscription.taskId });
    return { delivery, subscription, event, task };
  }

  /** Guarded on what was sent: a delivery redelivered or deleted meanwhile is left as it is now. */
  async recordAttempt(
    sent: Pick<WebhookDeliveryEntity, 'id' | 'attempts'>,
    changes: AttemptChanges,
  ): Promise<boolean> {
    const result = await this.dataSource.manager.update(
      WebhookDeliveryEntity,
      { id: sent.id, status: 'pending', attempts: sent.attempts },
      changes,
    );
    return (result.affected ?? 0) === 1;
  }

  // --- delivery log ---

  findDeliveryPage(
    subscriptionId: number,
    query: { page: number; pageSize: number; status?: WebhookDeliveryStatus | undefined },
  ): Promise<[WebhookDeliveryEntity[], number]> {
    return this.dataSource.manager.findAndCount(WebhookDeliveryEntity, {
      where: { subscriptionId, ...(query.status ? { status: query.status } : {}) },
      relations: { subscription: true, event: true },
      order: { id: 'DESC' },
      ...skipTake(query),
    });
  }

  findDelivery(id: number): Promise<WebhookDeliveryEntity | null> {
    return this.dataSource.manager.findOne(WebhookDeliveryEntity, {
      where: { id },
      relations: { subscription: true, event: true },
    });
  }

  /** Due now with a fresh round of attempts; guarded on the status it was seen in. */
  async redeliver(delivery: Pick<WebhookDeliveryEntity, 'id' | 'status'>, now: Date): Promise<boolean> {
    const fresh = delivery.status !== 'pending';
    const result = await this.dataSource.manager.update(
      WebhookDeliveryEntity,
      { id: delivery.id, status: delivery.status },
      {
        status: 'pending',
        nextAttemptAt: now,
        updatedAt: now,
        ...(fresh ? { attempts: 0, deliveredAt: null } : {}),
      },
    );
    return (result.affected ?? 0) === 1;
  }
}
