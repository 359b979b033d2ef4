import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { LIVE_RESET_EVENT, LIVE_TASK_LOG_EVENT, type StreamQuery } from '@outpost/shared';
import type { Request, Response } from 'express';
import type { LiveMessage } from '../common/messaging/bus-messages';
import { EventBus } from '../common/messaging/event-bus';
import { AppError, notFound } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { toOutboundEvent } from '../messaging/event-envelope.mapper';
import { OutboxRepository } from '../messaging/outbox.repository';
import { ManagerMetrics } from '../metrics/manager-metrics';
import { ZonesService } from '../zones/zones.service';
import { type LiveFilter, matchesLiveFilter } from './live-filter';
import { LiveRepository } from './live.repository';
import { ReplayGate } from './replay-gate';
import { formatSseComment, formatSseMessage, formatSseRetry } from './sse';
import { type CloseReason, SseConnection } from './sse-connection';

/** Streams end after this long: the client reconnects (and resumes), and is authenticated again. */
export const STREAM_MAX_AGE_MS = 30 * 60_000;
/** How long a browser waits before reconnecting a dropped stream. */
const RECONNECT_DELAY_MS = 3_000;

function toSse(message: LiveMessage): string {
  if (message.kind === 'task.log') {
    return formatSseMessage({ event: LIVE_TASK_LOG_EVENT, data: JSON.stringify(message.log) });
  }
  const { envelope } = message.event;
  return formatSseMessage({ id: envelope.id, event: envelope.type, data: JSON.stringify(envelope) });
}

/** `Last-Event-ID` is what the browser echoes from our `id:` lines: a non-negative integer. */
function parseLastEventIdHeader(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new AppError('VALIDATION_FAILED', 'Invalid request: headers.last-event-id: expected an event id', [
      { path: 'headers.last-event-id', message: 'expected a non-negative integer event id' },
    ]);
  }
  return Number(value.trim());
}

/**
 * The console's live stream: outbox events (and, for one task, its log chunks) as Server-Sent
 * Events. Live messages come from the bus, so a console on one manager sees what happened on any
 * manager (with RabbitMQ). A resuming client first gets what it missed from the outbox.
 */
@Injectable()
export class LiveStreamService implements OnModuleDestroy {
  private readonly logger = new Logger('LiveStream');
  private readonly connections = new Set<SseConnection>();

  constructor(
    private readonly bus: EventBus,
    private readonly outbox: OutboxRepository,
    private readonly live: LiveRepository,
    private readonly zones: ZonesService,
    private readonly metrics: ManagerMetrics,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'liveStream'>,
  ) {}

  /** How many streams this manager serves now. */
  get openStreams(): number {
    return this.connections.size;
  }

  /** Ends every stream, or the HTTP server would wait for them forever on shutdown. */
  onModuleDestroy(): void {
    for (const connection of [...this.connections]) connection.close('shutdown');
  }

  async open(request: Request, response: Response, query: StreamQuery): Promise<void> {
    const headerId = parseLastEventIdHeader(request.header('last-event-id'));
    const resumeAfter = headerId ?? query.lastEventId;
    const filter: LiveFilter = { zoneId: query.zoneId, taskId: query.taskId };
    if (filter.zoneId !== undefined) await this.zones.require(filter.zoneId);
    if (filter.taskId !== undefined && !(await this.live.taskExists(filter.taskId))) {
      throw notFound('TASK_NOT_FOUND', 'Task', filter.taskId);
    }

    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-store, no-transform');
    response.setHeader('Connection', 'keep-alive');
    // Reverse proxies (nginx) must pass messages through as they come.
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();

    const { heartbeatMs, maxBufferBytes, replayLimit } = this.config.liveStream;
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe: () => void = () => undefined;
    const connection = new SseConnection(response, maxBufferBytes, (reason: CloseReason) => {
      for (const timer of timers) clearTimeout(timer);
      unsubscribe();
      this.connections.delete(connection);
      this.metrics.setLiveStreams(this.connections.size);
      if (reason === 'slow' || reason === 'overflow') {
        this.logger.warn(`closed a live stream whose client reads too slowly (${reason})`);
      }
    });
    this.connections.add(connection);
    this.metrics.setLiveStreams(this.connections.size);
    response.on('close', () => connection.close('client'));

    const gate = new ReplayGate((message) => connection.send(toSse(message)));
    unsubscribe = this.bus.onLive((message) => {
      if (!matchesLiveFilter(message, filter)) return;
      if (gate.push(message) === 'overflow') connection.close('overflow');
    });
    const heartbeat = setInterval(() => connection.send(formatSseComment('ping')), heartbeatMs);
    const maxAge = setTimeout(() => connection.close('max-age'), STREAM_MAX_AGE_MS);
    heartbeat.unref();
    maxAge.unref();
    timers.push(heartbeat, maxAge);
    connection.send(formatSseRetry(RECONNECT_DELAY_MS) + formatSseComment('connected'));

    if (resumeAfter === undefined) {
      gate.open([]);
      return;
    }
    try {
      const replay = await this.outbox.after(resumeAfter, filter, replayLimit);
      if (replay.truncated) {
        connection.send(
          formatSseMessage({ event: LIVE_RESET_EVENT, data: JSON.stringify({ reason: 'replay-limit' }) }),
        );
      }
      for (const row of replay.events) {
        if (!connection.send(toSse({ kind: 'event', event: toOutboundEvent(row) }))) return;
      }
      gate.open(replay.events.map((row) => row.id));
    } catch (error) {
      this.logger.error(
        `live stream replay failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      connection.close('error');
    }
  }
}
