import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { connect } from 'amqplib';
import type { Channel, ConsumeMessage } from 'amqplib';

/** The RabbitMQ of this machine (CI has one too): these tests never skip. */
export const TEST_AMQP_URL = process.env['OUTPOST_TEST_AMQP_URL'] || 'amqp://guest:guest@127.0.0.1:5672';

export interface TestExchanges {
  events: string;
  wakeups: string;
  live: string;
}

/** Exchange names of their own for one test run, so runs never see each other's messages. */
export function uniqueExchanges(): TestExchanges {
  const prefix = `outpost.t.${randomBytes(5).toString('hex')}`;
  return { events: `${prefix}.events`, wakeups: `${prefix}.wakeups`, live: `${prefix}.live` };
}

export function amqpEnv(exchanges: TestExchanges, url = TEST_AMQP_URL): Record<string, string> {
  return {
    OUTPOST_AMQP_URL: url,
    OUTPOST_AMQP_EXCHANGE: exchanges.events,
    OUTPOST_AMQP_WAKEUP_EXCHANGE: exchanges.wakeups,
    OUTPOST_AMQP_LIVE_EXCHANGE: exchanges.live,
  };
}

/** Deletes the run's exchanges (and any named queues) from the broker. */
export async function deleteAmqpObjects(exchanges: TestExchanges, queues: string[] = []): Promise<void> {
  const connection = await connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of Object.values(exchanges)) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

export interface ReceivedMessage {
  messageId: string | undefined;
  type: string | undefined;
  routingKey: string;
  deliveryMode: number | undefined;
  contentType: string | undefined;
  timestamp: number | undefined;
  redelivered: boolean;
  body: { id: string; type: string; zoneId: number | null; [key: string]: unknown };
}

/**
 * A real consumer of the events exchange, as an operator's service would be: its own queue bound
 * to everything, manual acks.
 */
export class EventConsumer {
  readonly received: ReceivedMessage[] = [];

  private constructor(
    private readonly connection: Awaited<ReturnType<typeof connect>>,
    private readonly channel: Channel,
    readonly queue: string,
  ) {}

  static async start(exchange: string): Promise<EventConsumer> {
    const connection = await connect(TEST_AMQP_URL);
    const channel = await connection.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const queue = `${exchange}.consumer`;
    await channel.assertQueue(queue, { durable: false, exclusive: true });
    await channel.bindQueue(queue, exchange, '#');
    const consumer = new EventConsumer(connection, channel, queue);
    await channel.consume(queue, (message) => consumer.onMessage(message), { noAck: false });
    return consumer;
  }

  /** How many times each event id arrived. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const message of this.received) counts.set(message.body.id, (counts.get(message.body.id) ?? 0) + 1);
    return counts;
  }

  async stop(): Promise<void> {
    await this.channel.deleteQueue(this.queue).catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  private onMessage(message: ConsumeMessage | null): void {
    if (!message) return;
    this.received.push({
      messageId: message.properties.messageId as string | undefined,
      type: message.properties.type as string | undefined,
      routingKey: message.fields.routingKey,
      deliveryMode: message.properties.deliveryMode as number | undefined,
      contentType: message.properties.contentType as string | undefined,
      timestamp: message.properties.timestamp as number | undefined,
      redelivered: message.fields.redelivered,
      body: JSON.parse(message.content.toString('utf8')),
    });
    this.channel.ack(message);
  }
}

/**
 * A TCP proxy in front of RabbitMQ that the test can break: `cut()` drops every connection and
 * refuses new ones until `restore()`; `holdReplies()` keeps what the broker sends on the open
 * connections (confirms included) from reaching the client, so messages arrive at the broker but
 * are never confirmed; connections opened later are not held.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket; held: boolean }>();
  private accepting = true;
  private server: net.Server | null = null;
  port = 0;
  /** Connections let through, and refused while cut (the client's reconnect attempts). */
  accepted = 0;
  refused = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => this.onClient(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** The broker URL through this proxy. */
  url(base = TEST_AMQP_URL): string {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString().replace(/\/$/, '');
  }

  get connectionCount(): number {
    return this.pairs.size;
  }

  holdReplies(): void {
    for (const pair of this.pairs) pair.held = true;
  }

  cut(): void {
    this.accepting = false;
    for (const pair of [...this.pairs]) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.accepting = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private onClient(client: net.Socket): void {
    if (!this.accepting) {
      this.refused += 1;
      client.destroy();
      return;
    }
    this.accepted += 1;
    const upstream = net.connect(this.targetPort, this.targetHost);
    const pair = { client, upstream, held: false };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => upstream.write(chunk));
    // Held replies are dropped, never delivered late: the cut that follows loses them.
    upstream.on('data', (chunk) => {
      if (!pair.held) client.write(chunk);
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  }
}

/** Polls `probe` until it returns true; fails with `what` after `ms`. */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  what: string,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
