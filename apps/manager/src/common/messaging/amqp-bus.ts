import { once } from 'node:events';
import type { Logger } from '@nestjs/common';
import { connect } from 'amqplib';
import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { EventEnvelope } from '@outpost/shared';
import { redactAmqpUrl, scrubSecret } from './amqp-url';
import { backoffDelay, type BackoffPolicy, RECONNECT_BACKOFF } from './backoff';
import { eventRoutingKey, type OutboundEvent, TASK_LOG_TYPE, type TaskLogMessage } from './bus-messages';
import { EventBus } from './event-bus';

type AmqpConnection = Awaited<ReturnType<typeof connect>>;

export interface AmqpBusOptions {
  url: string;
  exchanges: { events: string; wakeups: string; live: string };
  /** Unique per manager process: wake-ups carry it so a manager ignores its own. */
  instanceId: string;
  logger: Pick<Logger, 'log' | 'warn' | 'debug'>;
  /** How long `start` waits for the first connection before letting the manager boot without it. */
  connectWaitMs?: number;
  /** A batch whose confirms have not all arrived by then counts the rest as failed, and reconnects. */
  confirmTimeoutMs?: number;
  backoff?: BackoffPolicy;
}

/** AMQP heartbeat (seconds) unless the URL sets one: a silently dead connection is noticed in ~2×. */
const DEFAULT_HEARTBEAT_SECONDS = 10;
/** A connection that does not finish closing by then is given up (its heartbeat ends it later). */
const CLOSE_GRACE_MS = 3_000;
const HEADER_TASK_ID = 'outpost-task-id';
const HEADER_AGENT_ID = 'outpost-agent-id';
/** A wake-up older than this is useless (the poll it was for has ended): let the broker drop it. */
const WAKEUP_TTL_MS = 5_000;
/** Live viewers want recent messages; a manager that cannot keep up loses the oldest, not memory. */
const LIVE_QUEUE_ARGUMENTS = { 'x-max-length': 10_000, 'x-overflow': 'drop-head' };

/**
 * The RabbitMQ driver (amqplib).
 *
 * Out: outbox events go to a durable topic exchange over a confirm channel, persistent, with the
 * event id as messageId (stable across re-publication) and routing key `<type>.<zone|global>`; an
 * event counts as published only once its confirm arrived. Log chunks (live exchange) and wake-ups
 * (wake-up exchange) are transient and go over a plain channel.
 * In: one exclusive, auto-deleted, server-named queue per manager process, bound to all three
 * exchanges, feeds the live listeners and the wake-up listeners.
 *
 * Connection or channel loss: every unconfirmed publish is reported failed (the outbox keeps it
 * and the publisher sends it again), and the driver reconnects with exponential backoff and
 * jitter, for as long as it runs. The URL's password is never logged.
 */
export class AmqpBus extends EventBus {
  readonly driver = 'rabbitmq' as const;

  private connection: AmqpConnection | null = null;
  private confirmChannel: ConfirmChannel | null = null;
  private plainChannel: Channel | null = null;
  /** Transient publishes are dropped while the plain channel's buffer is full. */
  private congested = false;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connecting = false;
  private readonly connectedWaiters = new Set<() => void>();
  /** Fails every publish still waiting for its confirm (connection lost, or stop). */
  private readonly unconfirmed = new Set<() => void>();
  private readonly connectWaitMs: number;
  private readonly confirmTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly safeUrl: string;

  constructor(private readonly options: AmqpBusOptions) {
    super();
    this.connectWaitMs = options.connectWaitMs ?? 5_000;
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
    this.backoff = options.backoff ?? RECONNECT_BACKOFF;
    this.safeUrl = redactAmqpUrl(options.url);
  }

  async start(): Promise<void> {
    this.stopped = false;
    void this.tryConnect();
    await this.whenConnected(this.connectWaitMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const connection = this.connection;
    this.dropConnection();
    if (connection) await connection.close().catch(() => undefined);
  }

  isConnected(): boolean {
    return this.confirmChannel !== null;
  }

  /** Resolves true once connected, false after `ms` without a connection. */
  whenConnected(ms: number): Promise<boolean> {
    if (this.isConnected()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.connectedWaiters.delete(done);
        resolve(this.isConnected());
      };
      const timer = setTimeout(done, ms);
      this.connectedWaiters.add(done);
    });
  }

  async publishEvents(events: readonly OutboundEvent[]): Promise<ReadonlySet<number>> {
    const confirmed = new Set<number>();
    const channel = this.confirmChannel;
    if (!channel || events.length === 0) return confirmed;
    const batch = new Set<() => void>();
    const settled: Promise<void>[] = [];
    for (const event of events) {
      let accepted = true;
      settled.push(
        new Promise<void>((resolve) => {
          const finish = (ok: boolean) => {
            if (!batch.delete(fail)) return;
            this.unconfirmed.delete(fail);
            if (ok) confirmed.add(event.id);
            resolve();
          };
          const fail = () => finish(false);
          batch.add(fail);
          this.unconfirmed.add(fail);
          try {
            accepted = channel.publish(
              this.options.exchanges.events,
              eventRoutingKey(event.envelope),
              Buffer.from(JSON.stringify(event.envelope)),
              this.eventProperties(event),
              (error: unknown) => finish(!error),
            );
          } catch {
            // The channel closed under us: this one (and the rest) go out on the next pass.
            fail();
          }
        }),
      );
      if (!this.confirmChannel) break;
      if (!accepted && !(await this.drained(channel, this.confirmTimeoutMs))) break;
    }
    // Whatever was not published at all (loop left early) must not wait for a confirm.
    const timedOut = await waitAll(settled, batch, this.confirmTimeoutMs);
    if (timedOut) {
      this.options.logger.warn('RabbitMQ confirms did not arrive in time; reconnecting');
      this.restartConnection();
    }
    return confirmed;
  }

  publishLog(log: TaskLogMessage): void {
    this.publishTransient(this.options.exchanges.live, `${TASK_LOG_TYPE}.${log.zoneId}`, log, {
      type: TASK_LOG_TYPE,
    });
  }

  publishWakeup(zoneId: number): void {
    this.publishTransient(
      this.options.exchanges.wakeups,
      String(zoneId),
      { zoneId },
      { type: 'wakeup', expiration: String(WAKEUP_TTL_MS) },
    );
  }

  private eventProperties(event: OutboundEvent): Options.Publish {
    const headers: Record<string, number> = {};
    if (event.taskId !== null) headers[HEADER_TASK_ID] = event.taskId;
    if (event.agentId !== null) headers[HEADER_AGENT_ID] = event.agentId;
    return {
      persistent: true,
      deliveryMode: 2,
      messageId: event.envelope.id,
      type: event.envelope.type,
      timestamp: Math.floor(Date.parse(event.envelope.occurredAt) / 1000),
      contentType: 'application/json',
      appId: 'outpost-manager',
      headers,
    };
  }

  private publishTransient(
    exchange: string,
    routingKey: string,
    body: unknown,
    extra: Options.Publish,
  ): void {
    const channel = this.plainChannel;
    if (!channel || this.congested) return;
    try {
      const accepted = channel.publish(exchange, routingKey, Buffer.from(JSON.stringify(body)), {
        persistent: false,
        contentType: 'application/json',
        timestamp: Math.floor(Date.now() / 1000),
        appId: this.options.instanceId,
        ...extra,
      });
      if (!accepted) {
        this.congested = true;
        channel.once('drain', () => {
          this.congested = false;
        });
      }
    } catch {
      // Channel closing: transient messages are allowed to be lost.
    }
  }

  /** Waits for the channel's buffer to drain; false when the connection went away first. */
  private async drained(channel: ConfirmChannel, ms: number): Promise<boolean> {
    const abort = new AbortController();
    const wait = (name: string, answer: boolean) =>
      once(channel, name, { signal: abort.signal }).then(
        () => answer,
        () => false,
      );
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref());
    try {
      return await Promise.race([wait('drain', true), wait('close', false), timeout]);
    } finally {
      abort.abort();
    }
  }

  private async tryConnect(): Promise<void> {
    if (this.stopped || this.connecting || this.connection) return;
    this.connecting = true;
    try {
      await this.connectOnce();
      this.attempt = 0;
      this.options.logger.log(`connected to RabbitMQ at ${this.safeUrl}`);
      for (const waiter of [...this.connectedWaiters]) waiter();
    } catch (error) {
      const delay = backoffDelay(this.backoff, this.attempt);
      this.attempt += 1;
      this.options.logger.warn(
        `RabbitMQ at ${this.safeUrl} unavailable (${this.describe(error)}); retrying in ${delay} ms`,
      );
      this.scheduleReconnect(delay);
    } finally {
      this.connecting = false;
    }
  }

  private scheduleReconnect(delay: number): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.tryConnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private async connectOnce(): Promise<void> {
    const connection = await connect(withHeartbeat(this.options.url), {
      clientProperties: { connection_name: `outpost-manager ${this.options.instanceId}` },
    });
    try {
      // 'error' comes before 'close'; without a listener it would crash the process.
      connection.on('error', (error: unknown) =>
        this.options.logger.warn(`RabbitMQ connection error: ${this.describe(error)}`),
      );
      connection.on('close', () => this.onConnectionLost(connection));
      const confirmChannel = await connection.createConfirmChannel();
      const plainChannel = await connection.createChannel();
      for (const channel of [confirmChannel, plainChannel]) {
        channel.on('error', (error: unknown) =>
          this.options.logger.warn(`RabbitMQ channel error: ${this.describe(error)}`),
        );
        // A channel closed by the broker (e.g. a missing exchange) while the connection stays up:
        // start over on a fresh connection rather than limp on without it.
        channel.on('close', () => {
          if (this.connection === connection) this.restartConnection();
        });
      }
      const { events, wakeups, live } = this.options.exchanges;
      await confirmChannel.assertExchange(events, 'topic', { durable: true });
      await confirmChannel.assertExchange(wakeups, 'topic', { durable: true });
      await confirmChannel.assertExchange(live, 'topic', { durable: true });
      const { queue } = await plainChannel.assertQueue('', {
        exclusive: true,
        autoDelete: true,
        durable: false,
        arguments: LIVE_QUEUE_ARGUMENTS,
      });
      for (const exchange of [events, wakeups, live]) await plainChannel.bindQueue(queue, exchange, '#');
      await plainChannel.consume(queue, (message) => this.onMessage(message), { noAck: true });
      if (this.stopped) throw new Error('stopped while connecting');
      this.connection = connection;
      this.confirmChannel = confirmChannel;
      this.plainChannel = plainChannel;
      this.congested = false;
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  private onConnectionLost(connection: AmqpConnection): void {
    if (this.connection !== connection) return;
    this.dropConnection();
    if (this.stopped) return;
    this.options.logger.warn('RabbitMQ connection lost; reconnecting');
    this.scheduleReconnect(backoffDelay(this.backoff, this.attempt++));
  }

  /** Forgets the connection and fails every publish still waiting for a confirm. */
  private dropConnection(): void {
    this.connection = null;
    this.confirmChannel = null;
    this.plainChannel = null;
    for (const fail of [...this.unconfirmed]) fail();
  }

  /**
   * Closes the current connection; its 'close' handler reconnects. A connection too broken to
   * finish closing (the broker no longer answers) is given up after a grace period, and a new one
   * is opened; the old one's heartbeat ends it.
   */
  private restartConnection(): void {
    const connection = this.connection;
    if (!connection) return;
    const giveUp = setTimeout(() => this.onConnectionLost(connection), CLOSE_GRACE_MS);
    giveUp.unref();
    connection
      .close()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(giveUp);
        this.onConnectionLost(connection);
      });
  }

  private onMessage(message: ConsumeMessage | null): void {
    if (!message) {
      // The broker cancelled our consumer (queue deleted): reconnect to get a new one.
      this.restartConnection();
      return;
    }
    const { exchange } = message.fields;
    try {
      if (exchange === this.options.exchanges.events) this.onEvent(message);
      else if (exchange === this.options.exchanges.live) this.onLiveMessage(message);
      else if (exchange === this.options.exchanges.wakeups) this.onWakeupMessage(message);
    } catch (error) {
      this.options.logger.debug(`ignored a malformed message from ${exchange}: ${this.describe(error)}`);
    }
  }

  private onEvent(message: ConsumeMessage): void {
    const envelope = JSON.parse(message.content.toString('utf8')) as EventEnvelope;
    const id = Number(envelope?.id);
    if (!Number.isSafeInteger(id) || id <= 0 || typeof envelope.type !== 'string') return;
    const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
    this.emitLive({
      kind: 'event',
      event: {
        id,
        envelope,
        taskId: numberOrNull(headers[HEADER_TASK_ID]),
        agentId: numberOrNull(headers[HEADER_AGENT_ID]),
      },
    });
  }

  private onLiveMessage(message: ConsumeMessage): void {
    if (message.properties.type !== TASK_LOG_TYPE) return;
    const log = JSON.parse(message.content.toString('utf8')) as TaskLogMessage;
    if (typeof log?.taskId !== 'number' || typeof log.runId !== 'number') return;
    this.emitLive({ kind: 'task.log', log });
  }

  private onWakeupMessage(message: ConsumeMessage): void {
    if (message.properties.appId === this.options.instanceId) return;
    const zoneId = Number(message.fields.routingKey);
    if (Number.isInteger(zoneId) && zoneId > 0) this.emitWakeup(zoneId);
  }

  private describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    return scrubSecret(message, this.options.url);
  }
}

/** Adds the default heartbeat to a URL that does not choose one. */
function withHeartbeat(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.searchParams.has('heartbeat')) {
      parsed.searchParams.set('heartbeat', String(DEFAULT_HEARTBEAT_SECONDS));
    }
    return parsed.toString();
  } catch {
    return url;
  }
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * Waits until every publish of the batch settled, or `ms`; on timeout fails the ones still open
 * (they go out again on the next pass) and answers true.
 */
async function waitAll(settled: Promise<void>[], open: Set<() => void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([Promise.all(settled).then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'done') return false;
  for (const fail of [...open]) fail();
  return true;
}
