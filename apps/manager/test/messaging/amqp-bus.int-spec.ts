import type { EventEnvelope } from '@outpost/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus } from '../../src/common/messaging/amqp-bus';
import type { LiveMessage } from '../../src/common/messaging/bus-messages';
import {
  deleteAmqpObjects,
  EventConsumer,
  eventually,
  TcpProxy,
  TEST_AMQP_URL,
  type TestExchanges,
  uniqueExchanges,
} from './amqp-test-helpers';

/** The RabbitMQ driver on its own, against the real broker (no database needed). */
describe('AmqpBus (RabbitMQ driver)', () => {
  let exchanges: TestExchanges;
  const buses: AmqpBus[] = [];
  const logs: string[] = [];
  const logger = {
    log: (message: string) => logs.push(message),
    warn: (message: string) => logs.push(message),
    debug: (message: string) => logs.push(message),
  };
  const fast = { baseMs: 20, maxMs: 200 };

  function bus(url = TEST_AMQP_URL, instanceId = `test-${buses.length}`, confirmTimeoutMs?: number): AmqpBus {
    const created = new AmqpBus({
      url,
      exchanges,
      instanceId,
      logger,
      connectWaitMs: 3_000,
      backoff: fast,
      ...(confirmTimeoutMs ? { confirmTimeoutMs } : {}),
    });
    buses.push(created);
    return created;
  }

  function event(
    id: number,
    zoneId: number | null,
  ): { id: number; envelope: EventEnvelope; taskId: number; agentId: null } {
    const envelope = {
      id: String(id),
      type: 'TASK_CREATED',
      schemaVersion: 1,
      occurredAt: '2026-01-02T03:04:05.678Z',
      zoneId,
      data: { taskId: id, zoneId: zoneId ?? 0, name: 'job', status: 'wait-polling' },
    } as EventEnvelope;
    return { id, envelope, taskId: id, agentId: null };
  }

  beforeAll(() => {
    exchanges = uniqueExchanges();
  });
  afterAll(async () => {
    for (const created of buses) await created.stop();
    await deleteAmqpObjects(exchanges);
  });

  it("confirms published events, routes them by type and zone, and feeds every manager's live listeners", async () => {
    const consumer = await EventConsumer.start(exchanges.events);
    try {
      const first = bus();
      const second = bus();
      await first.start();
      await second.start();
      expect(first.isConnected()).toBe(true);
      const live: LiveMessage[] = [];
      second.onLive((message) => live.push(message));
      const confirmed = await first.publishEvents([event(1, 12), event(2, null)]);
      expect([...confirmed].sort()).toEqual([1, 2]);
      await eventually(() => consumer.received.length === 2 && live.length === 2, 'both copies');
      expect(consumer.received.map((message) => message.routingKey)).toEqual([
        'TASK_CREATED.12',
        'TASK_CREATED.global',
      ]);
      expect(
        live.map((message) => (message.kind === 'event' ? [message.event.id, message.event.taskId] : null)),
      ).toEqual([
        [1, 1],
        [2, 2],
      ]);
    } finally {
      await consumer.stop();
    }
  });

  it('delivers a wake-up to the other managers, not back to its sender', async () => {
    const sender = bus(TEST_AMQP_URL, 'sender');
    const other = bus(TEST_AMQP_URL, 'other');
    await sender.start();
    await other.start();
    const heardBySender: number[] = [];
    const heardByOther: number[] = [];
    sender.onWakeup((zoneId) => heardBySender.push(zoneId));
    other.onWakeup((zoneId) => heardByOther.push(zoneId));
    sender.publishWakeup(7);
    await eventually(() => heardByOther.length === 1, 'the wake-up');
    expect(heardByOther).toEqual([7]);
    expect(heardBySender).toEqual([]);
  });

  it('boots without RabbitMQ, reconnects with backoff when it comes, and only then confirms', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_AMQP_URL).port || 5672));
    await proxy.start();
    try {
      proxy.cut();
      const late = bus(proxy.url());
      const started = Date.now();
      await late.start();
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
      expect(late.isConnected()).toBe(false);
      expect(await late.publishEvents([event(3, 1)])).toEqual(new Set());
      expect(proxy.refused).toBeGreaterThan(2);
      proxy.restore();
      await eventually(() => late.isConnected(), 'the reconnection', 5_000);
      expect(await late.publishEvents([event(3, 1)])).toEqual(new Set([3]));
    } finally {
      await proxy.close();
    }
  });

  it('gives up on confirms that never come, reconnects, and confirms on the new connection', async () => {
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(TEST_AMQP_URL).port || 5672));
    await proxy.start();
    try {
      const stuck = bus(proxy.url(), 'stuck', 300);
      await stuck.start();
      expect(stuck.isConnected()).toBe(true);
      // The broker keeps receiving, but nothing it answers reaches the bus any more.
      proxy.holdReplies();
      const started = Date.now();
      expect(await stuck.publishEvents([event(4, 1)])).toEqual(new Set());
      expect(Date.now() - started).toBeLessThan(2_000);
      await eventually(() => proxy.accepted >= 2 && stuck.isConnected(), 'a new connection', 10_000);
      expect(await stuck.publishEvents([event(4, 1)])).toEqual(new Set([4]));
    } finally {
      await proxy.close();
    }
  });

  it('never logs the password of the URL', async () => {
    const secret = 'not-the-guest-password-4711';
    const url = new URL(TEST_AMQP_URL);
    url.password = secret;
    logs.length = 0;
    const refused = bus(url.toString());
    await refused.start();
    expect(refused.isConnected()).toBe(false);
    await refused.stop();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(secret);
    expect(logs.some((line) => line.includes(':***@'))).toBe(true);
  });
});
