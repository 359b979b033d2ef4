import type { EventEnvelope } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../common/clock/clock';
import type { OutboundEvent, TaskLogMessage } from '../common/messaging/bus-messages';
import { EventBus } from '../common/messaging/event-bus';
import type { EventEntity } from '../events/event.entity';
import { ManagerMetrics } from '../metrics/manager-metrics';
import { OutboxPublisher } from './outbox-publisher';
import type { OutboxRepository } from './outbox.repository';

class FakeBus extends EventBus {
  readonly driver = 'rabbitmq' as const;
  connected = true;
  /** Ids the "broker" refuses to confirm. */
  refuse = new Set<number>();
  sent: OutboundEvent[][] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  isConnected(): boolean {
    return this.connected;
  }
  async publishEvents(events: readonly OutboundEvent[]): Promise<ReadonlySet<number>> {
    this.sent.push([...events]);
    return new Set(events.map((event) => event.id).filter((id) => !this.refuse.has(id)));
  }
  publishLog(_log: TaskLogMessage): void {}
  publishWakeup(_zoneId: number): void {}
}

class FakeOutbox {
  rows: EventEntity[] = [];
  reads = 0;
  async unpublished(limit: number): Promise<EventEntity[]> {
    this.reads += 1;
    return this.rows.filter((row) => row.publishedAt === null).slice(0, limit);
  }
  async markPublished(ids: readonly number[], at: Date): Promise<void> {
    for (const row of this.rows) if (ids.includes(row.id) && row.publishedAt === null) row.publishedAt = at;
  }
}

function rows(count: number): EventEntity[] {
  return Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    type: 'TASK_CREATED',
    schemaVersion: 1,
    zoneId: 1,
    taskId: index + 1,
    agentId: null,
    payload: { taskId: index + 1, zoneId: 1, name: 'job', status: 'wait-polling' },
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    publishedAt: null,
  }));
}

const now = new Date('2026-01-01T00:00:01.000Z');
function setup(batchSize = 3) {
  const bus = new FakeBus();
  const outbox = new FakeOutbox();
  const metrics = new ManagerMetrics();
  const publisher = new OutboxPublisher(
    outbox as unknown as OutboxRepository,
    bus,
    metrics,
    { now: () => now } as Clock,
    { eventPublishing: { intervalMs: 100, batchSize } },
  );
  return { bus, outbox, metrics, publisher };
}

describe('OutboxPublisher', () => {
  it('publishes the oldest batch in id order and marks it published', async () => {
    const { bus, outbox, metrics, publisher } = setup(3);
    outbox.rows = rows(5);
    expect(await publisher.publishPending()).toEqual({ published: 3, more: true });
    expect(bus.sent[0]?.map((event) => event.id)).toEqual([1, 2, 3]);
    expect(bus.sent[0]?.[0]?.envelope).toMatchObject({
      id: '1',
      type: 'TASK_CREATED',
    } satisfies Partial<EventEnvelope>);
    expect(outbox.rows.map((row) => row.publishedAt)).toEqual([now, now, now, null, null]);
    expect(await publisher.publishPending()).toEqual({ published: 2, more: false });
    expect(metrics.eventsPublished).toBe(5);
  });

  it('marks only the events the bus confirmed; the others go out again, same id', async () => {
    const { bus, outbox, publisher } = setup(3);
    outbox.rows = rows(3);
    bus.refuse.add(2);
    expect(await publisher.publishPending()).toEqual({ published: 2, more: false });
    expect(outbox.rows.map((row) => row.publishedAt)).toEqual([now, null, now]);
    bus.refuse.clear();
    await publisher.publishPending();
    expect(bus.sent[1]?.map((event) => event.id)).toEqual([2]);
    expect(outbox.rows.every((row) => row.publishedAt !== null)).toBe(true);
  });

  it('does not read the outbox while the bus is disconnected', async () => {
    const { bus, outbox, publisher } = setup();
    outbox.rows = rows(2);
    bus.connected = false;
    expect(await publisher.publishPending()).toEqual({ published: 0, more: false });
    expect(outbox.reads).toBe(0);
    expect(bus.sent).toEqual([]);
  });
});
