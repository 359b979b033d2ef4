import { Injectable } from '@nestjs/common';
import type { AgentState, TaskStatus } from '@outpost/shared';
import { DataSource, IsNull, MoreThan, Not } from 'typeorm';
import { AgentEntity } from '../agents/agent.entity';
import { ZoneLeaseEntity } from '../election/zone-lease.entity';
import { EventEntity } from '../events/event.entity';
import { TaskEntity } from '../tasks/task.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WorkerLockEntity } from '../workers/worker-lock.entity';

/** Tasks waiting for their zone's primary to take them. */
const QUEUED_STATUSES: readonly TaskStatus[] = ['wait-polling', 'hand-over'];

export interface DatabaseGauges {
  queueDepth: { zoneId: number; count: number }[];
  leases: { zoneId: number; acquiredAt: Date }[];
  /** Oldest lastSeenAt per zone and state (retired agents excluded: they never call in). */
  oldestSightings: { zoneId: number; state: AgentState; lastSeenAt: Date }[];
  failingWebhookDeliveries: { status: string; count: number }[];
  workerLocks: { name: string; holder: string }[];
  unpublishedEvents: number;
}

/**
 * The database side of /metrics: one cheap query per gauge (grouped, or one row per zone), read
 * at scrape time and cached by the service.
 */
@Injectable()
export class MetricsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async read(now: Date): Promise<DatabaseGauges> {
    // One after the other: a scrape must not take several pool connections at once.
    const queueDepth = await this.queueDepth();
    const leases = await this.leases(now);
    const oldestSightings = await this.oldestSightings();
    const failingWebhookDeliveries = await this.failingWebhookDeliveries();
    const workerLocks = await this.workerLocks(now);
    const unpublishedEvents = await this.dataSource.manager.count(EventEntity, {
      where: { publishedAt: IsNull() },
    });
    return { queueDepth, leases, oldestSightings, failingWebhookDeliveries, workerLocks, unpublishedEvents };
  }

  private async queueDepth(): Promise<DatabaseGauges['queueDepth']> {
    const rows = await this.dataSource
      .createQueryBuilder(TaskEntity, 'task')
      .select('task.zoneId', 'zoneId')
      .addSelect('COUNT(*)', 'count')
      .where('task.status IN (:...statuses)', { statuses: QUEUED_STATUSES })
      .groupBy('task.zoneId')
      .getRawMany<{ zoneId: number | string; count: number | string }>();
    return rows.map((row) => ({ zoneId: Number(row.zoneId), count: Number(row.count) }));
  }

  private async leases(now: Date): Promise<DatabaseGauges['leases']> {
    const rows = await this.dataSource.manager.find(ZoneLeaseEntity, {
      select: { zoneId: true, acquiredAt: true },
      where: { agentId: Not(IsNull()), expiresAt: MoreThan(now) },
    });
    return rows.map((row) => ({ zoneId: row.zoneId, acquiredAt: row.acquiredAt }));
  }

  private async oldestSightings(): Promise<DatabaseGauges['oldestSightings']> {
    const rows = await this.dataSource
      .createQueryBuilder(AgentEntity, 'agent')
      .select('agent.zoneId', 'zoneId')
      .addSelect('agent.state', 'state')
      .addSelect('MIN(agent.lastSeenAt)', 'lastSeenAt')
      .where('agent.state <> :retired', { retired: 'retired' })
      .andWhere('agent.lastSeenAt IS NOT NULL')
      .groupBy('agent.zoneId')
      .addGroupBy('agent.state')
      .getRawMany<{ zoneId: number | string; state: AgentState; lastSeenAt: unknown }>();
    const column = this.dataSource.getMetadata(AgentEntity).findColumnWithPropertyName('lastSeenAt');
    if (!column) throw new Error('AgentEntity.lastSeenAt is not mapped');
    // The raw MIN() comes back as each driver stores datetimes; the driver turns it into a Date.
    return rows.map((row) => ({
      zoneId: Number(row.zoneId),
      state: row.state,
      lastSeenAt: this.dataSource.driver.prepareHydratedValue(row.lastSeenAt, column) as Date,
    }));
  }

  private async failingWebhookDeliveries(): Promise<DatabaseGauges['failingWebhookDeliveries']> {
    const rows = await this.dataSource
      .createQueryBuilder(WebhookDeliveryEntity, 'delivery')
      .select('delivery.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('delivery.attempts > 0')
      .andWhere('delivery.status <> :delivered', { delivered: 'delivered' })
      .groupBy('delivery.status')
      .getRawMany<{ status: string; count: number | string }>();
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  private async workerLocks(now: Date): Promise<DatabaseGauges['workerLocks']> {
    const rows = await this.dataSource.manager.find(WorkerLockEntity, {
      select: { name: true, holder: true },
      where: { expiresAt: MoreThan(now) },
    });
    return rows.map((row) => ({ name: row.name, holder: row.holder }));
  }
}
