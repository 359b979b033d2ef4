import { z } from 'zod';
import { idSchema, timestampSchema } from '../common/primitives';
import { defineRoute } from '../common/route';
import { logStreams } from './tasks.contract';

/**
 * The console's live stream (Server-Sent Events) and the Prometheus metrics endpoint.
 *
 * Stream messages:
 * - every outbox event: `id: <event id>`, `event: <event type>`, `data: <EventEnvelope JSON>`
 *   (`eventEnvelopeSchema` of the events folder);
 * - log chunks (only with `?taskId=`): `event: task.log`, `data: <LiveTaskLog JSON>`, no `id:`
 *   (log chunks are not in the outbox; reload them from /api/v1/tasks/:taskId/logs);
 * - `event: reset` when the replay was cut to its newest events: refetch what is shown;
 * - `: ping` comments every 15 s, so proxies and clients know the stream is alive.
 */

export const liveTaskLogSchema = z
  .object({
    taskId: z.number().int(),
    runId: z.number().int(),
    zoneId: z.number().int(),
    seq: z.number().int(),
    stepSeq: z.number().int().nullable(),
    stream: z.enum(logStreams),
    content: z.string(),
    at: timestampSchema,
  })
  .meta({ id: 'LiveTaskLog' });
export type LiveTaskLog = z.infer<typeof liveTaskLogSchema>;

/** The SSE `event:` name of log chunks. */
export const LIVE_TASK_LOG_EVENT = 'task.log';
/** The SSE `event:` name telling the client that the replay was cut. */
export const LIVE_RESET_EVENT = 'reset';

export const streamQuerySchema = z.object({
  zoneId: idSchema.optional().describe('Only events of this zone'),
  taskId: idSchema
    .optional()
    .describe("Only events of this task, plus the task's log chunks as they are stored"),
  lastEventId: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Resume after this event id (the Last-Event-ID header wins when both are sent)'),
  access_token: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      'The session or API token, for EventSource, which cannot send headers; accepted on this route only, and never logged',
    ),
});
export type StreamQuery = z.infer<typeof streamQuerySchema>;

export const liveRoutes = {
  stream: defineRoute({
    id: 'streamEvents',
    method: 'GET',
    path: '/api/v1/stream',
    tag: 'Live',
    summary: 'Live events and log chunks (Server-Sent Events)',
    description: [
      "A `text/event-stream` of every outbox event as `id: <event id>`, `event: <type>`, `data: <envelope JSON>`, optionally only of one zone (`zoneId`) or one task (`taskId`, which adds the task's log chunks as `event: task.log`).",
      'Resumable: with a `Last-Event-ID` header (browsers send it when they reconnect) or `lastEventId`, events after that id are replayed from the outbox first (at most the newest 1000; an `event: reset` says when the replay was cut), then live events follow.',
      'Authentication: `Authorization: Bearer <token>`, or, because EventSource cannot send headers, the token in the `access_token` query parameter (this route only; the query string is never logged).',
      'A comment line (`: ping`) comes every 15 s. A client that reads too slowly is disconnected (it reconnects and resumes); streams also end after 30 minutes so a signed-out user does not stay connected.',
    ].join('\n\n'),
    access: 'viewer',
    query: streamQuerySchema,
    status: 200,
    produces: 'text/event-stream',
  }),
} as const;

export const metricsRoutes = {
  metrics: defineRoute({
    id: 'getMetrics',
    method: 'GET',
    path: '/metrics',
    tag: 'Metrics',
    summary: 'Prometheus metrics (text exposition format)',
    description: [
      'Counts and timings only (zone ids and worker names as labels; no names, keys or secrets): queue depth, dispatch latency, lease age, agent heartbeat lag, failing webhook deliveries, worker lock holders, unpublished events, process memory and event loop lag.',
      'Public by default so a Prometheus scraper needs no sign-in. When the manager is started with OUTPOST_METRICS_TOKEN, it needs `Authorization: Bearer <OUTPOST_METRICS_TOKEN>` and answers 401 otherwise.',
    ].join('\n\n'),
    access: 'public',
    status: 200,
    produces: 'text/plain; version=0.0.4',
  }),
} as const;
