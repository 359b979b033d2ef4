import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEntity } from '../../src/events/event.entity';
import { WorkWorld } from '../api/agent-work.fixtures';
import { startTestApp, type TestApp } from '../testing/test-app';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import {
  amqpEnv,
  deleteAmqpObjects,
  EventConsumer,
  eventually,
  TcpProxy,
  type TestExchanges,
  uniqueExchanges,
} from './amqp-test-helpers';

/**
 * Outbox → RabbitMQ through a proxy the test breaks: connections dropped mid-stream, confirms
 * lost. Real RabbitMQ and MariaDB (the setup a multi-manager deployment runs); always runs.
 */
describe('event publication to RabbitMQ across connection cuts (mariadb)', () => {
  let database: TestDatabase;
  let exchanges: TestExchanges;
  let proxy: TcpProxy;
  let consumer: EventConsumer;
  let t: TestApp;
  let world: WorkWorld;

  beforeAll(async () => {
    exchanges = uniqueExchanges();
    database = await createTestDatabase('mariadb');
    proxy = new TcpProxy(
      '127.0.0.1',
      Number(new URL(amqpEnv(exchanges).OUTPOST_AMQP_URL as string).port || 5672),
    );
    await proxy.start();
    // Bound before anything is published, as a consumer that must not miss anything would be.
    consumer = await EventConsumer.start(exchanges.events);
    t = await startTestApp(
      'mariadb',
      {
        ...amqpEnv(exchanges, proxy.url()),
        OUTPOST_WORKERS: 'event-publisher',
        OUTPOST_EVENTS_PUBLISH_INTERVAL_MS: '20',
        OUTPOST_EVENTS_PUBLISH_BATCH: '10',
      },
      { databaseTarget: database.target },
    );
    world = new WorkWorld(t, await t.tokenFor('operator'));
  });

  afterAll(async () => {
    await t?.close();
    await consumer?.stop();
    await proxy?.close();
    if (exchanges) await deleteAmqpObjects(exchanges);
    await database?.drop();
  });

  const eventRows = () => t.dataSource.manager.find(EventEntity, { order: { id: 'ASC' } });
  const allPublished = async () => (await eventRows()).every((row) => row.publishedAt !== null);
  const receivedAll = async () => {
    const counts = consumer.counts();
    return (await eventRows()).every((row) => counts.has(String(row.id)));
  };

  it('publishes every event at least once, with its id as messageId, across cuts and lost confirms', async () => {
    const zoneId = await world.newZone();

    // 1. Steady state.
    for (let index = 0; index < 5; index += 1) await world.createTask({ zoneId });
    await eventually(async () => (await receivedAll()) && (await allPublished()), 'the first events');

    // 2. Confirms lost: the broker gets the messages, the manager never hears back, then the
    //    connection drops. Those events stay unpublished and go out again, same messageId.
    proxy.holdReplies();
    const unconfirmed: string[] = [];
    for (let index = 0; index < 3; index += 1) await world.createTask({ zoneId });
    await eventually(async () => {
      const counts = consumer.counts();
      const pending = (await eventRows()).filter((row) => row.publishedAt === null);
      unconfirmed.splice(
        0,
        unconfirmed.length,
        ...pending.map((row) => String(row.id)).filter((id) => counts.has(id)),
      );
      return unconfirmed.length > 0;
    }, 'an event that reached the broker without its confirm');
    proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.restore();
    await eventually(async () => {
      const counts = consumer.counts();
      return unconfirmed.every((id) => (counts.get(id) ?? 0) >= 2) && (await allPublished());
    }, 'the unconfirmed events to be published again');

    // 3. Cuts in the middle of a stream of new events.
    for (let index = 0; index < 30; index += 1) {
      if (index === 8 || index === 22) proxy.cut();
      if (index === 14) proxy.restore();
      await world.createTask({ zoneId });
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    proxy.restore();
    await eventually(
      async () => (await receivedAll()) && (await allPublished()),
      'every event after the cuts',
      45_000,
    );

    // The manager really lost its connection and came back each time.
    expect(proxy.accepted).toBeGreaterThanOrEqual(3);
    const rows = await eventRows();
    expect(rows.length).toBe(5 + 3 + 30);
    expect(rows.every((row) => row.publishedAt !== null)).toBe(true);
    const counts = consumer.counts();
    for (const row of rows) expect(counts.get(String(row.id)), `event ${row.id}`).toBeGreaterThanOrEqual(1);
    for (const id of unconfirmed) expect(counts.get(id)).toBeGreaterThanOrEqual(2);
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    for (const message of consumer.received) {
      const row = byId.get(message.body.id);
      expect(row, `message for unknown event ${message.body.id}`).toBeDefined();
      expect(message).toMatchObject({
        messageId: message.body.id,
        type: row?.type,
        routingKey: `${row?.type}.${row?.zoneId}`,
        deliveryMode: 2,
        contentType: 'application/json',
      });
      expect(message.body).toMatchObject({ type: row?.type, zoneId: row?.zoneId, schemaVersion: 1 });
      expect(message.timestamp).toBe(Math.floor((row?.occurredAt.getTime() ?? 0) / 1000));
    }
    // Every copy of an event is the same message.
    const first = new Map<string, string>();
    for (const message of consumer.received) {
      const body = JSON.stringify(message.body);
      expect(first.get(message.body.id) ?? body).toBe(body);
      first.set(message.body.id, body);
    }
  });
});
