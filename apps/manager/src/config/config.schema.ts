import { type AgentSettings, defaultAgentSettings } from '@outpost/shared';
import { z } from 'zod';
import { HEARTBEAT_WRITE_INTERVAL_MS, SEEN_WRITE_INTERVAL_MS } from '../work/write-throttle';
import { defaultWebhookSettings, type WebhookSettings } from '../webhooks/webhook-settings';
import { parseWorkerSelection, WORKER_NAMES, type WorkerName } from '../workers/worker-names';

const port = z.coerce.number().int().min(1).max(65_535);
const positiveSeconds = z.coerce.number().int().min(1);
const millis = (min: number, fallback: number) =>
  z.coerce.number().int().min(min).max(86_400_000).default(fallback);
const retentionDays = (fallback: number) => z.coerce.number().int().min(0).max(36_500).default(fallback);
const exchangeName = z
  .string()
  .regex(
    /^(?!amq\.)[A-Za-z0-9_.:-]{1,255}$/,
    'must be letters, digits, - _ . : (max 255) and not start with amq.',
  );

/**
 * Every setting of the manager, read from `OUTPOST_*` environment variables (optionally from the
 * file named by OUTPOST_CONFIG_FILE, which the environment overrides). Nothing else reads
 * process.env. Secrets may come from `<NAME>_FILE`.
 */
export const configEnvSchema = z.object({
  OUTPOST_PORT: port.default(8090),
  OUTPOST_HOST: z.string().min(1).default('0.0.0.0'),
  OUTPOST_DATA_DIR: z.string().min(1).default('./data'),
  OUTPOST_DATABASE_URL: z
    .string()
    .regex(
      /^(mysql|mariadb):\/\/.+/,
      'must be a mysql:// (MySQL 8) or mariadb:// (MariaDB) URL, e.g. mysql://user:password@127.0.0.1:3306/outpost',
    )
    .optional(),
  OUTPOST_AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\/.+/, 'must be an amqp:// or amqps:// URL, e.g. amqp://guest:guest@127.0.0.1:5672')
    .optional(),
  OUTPOST_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  OUTPOST_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  OUTPOST_CREDENTIALS_KEY: z
    .string()
    .regex(
      /^[A-Za-z0-9+/]{43}=$/,
      'must be 32 bytes in base64 (44 characters), e.g. from `openssl rand -base64 32`',
    )
    .optional(),
  OUTPOST_SESSION_TTL_SECONDS: positiveSeconds.default(12 * 3600),
  OUTPOST_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  OUTPOST_LOGIN_LOCKOUT_SECONDS: positiveSeconds.default(900),
  OUTPOST_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  OUTPOST_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  OUTPOST_CONSOLE_DIR: z.string().optional(),
  OUTPOST_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Tests turn this on: every answer is checked against its route's response schema. */
  OUTPOST_VALIDATE_RESPONSES: z.enum(['true', 'false']).default('false'),
  /** Agent timing, sent to every agent on its replies (see AgentSettings in @outpost/shared). */
  OUTPOST_AGENT_POLL_WAIT_MS: millis(0, defaultAgentSettings.pollWaitMs),
  OUTPOST_AGENT_LEASE_TTL_MS: millis(1000, defaultAgentSettings.leaseTtlMs),
  OUTPOST_AGENT_PROBE_INTERVAL_MS: millis(100, defaultAgentSettings.probeIntervalMs),
  OUTPOST_AGENT_PROBE_FAILURES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(defaultAgentSettings.probeFailuresBeforeElection),
  OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS: millis(100, defaultAgentSettings.heartbeatIntervalMs),
  OUTPOST_AGENT_SESSION_TTL_MS: millis(10_000, defaultAgentSettings.sessionTtlMs),
  /** The agent program the installer serves; default: apps/agent/dist/outpost-agent.js of this checkout. */
  OUTPOST_AGENT_BUNDLE_FILE: z.string().optional(),
  /** RabbitMQ exchanges (used only with OUTPOST_AMQP_URL). Names as RabbitMQ allows; never `amq.*`. */
  OUTPOST_AMQP_EXCHANGE: exchangeName.default('outpost.events'),
  OUTPOST_AMQP_WAKEUP_EXCHANGE: exchangeName.default('outpost.wakeups'),
  OUTPOST_AMQP_LIVE_EXCHANGE: exchangeName.default('outpost.live'),
  /** Event publication: how often the publisher looks at the outbox, and how many events per pass. */
  OUTPOST_EVENTS_PUBLISH_INTERVAL_MS: millis(10, 250),
  OUTPOST_EVENTS_PUBLISH_BATCH: z.coerce.number().int().min(1).max(5_000).default(200),
  /** Live stream (/api/v1/stream): heartbeat comment period, replay bound, per-client buffer bound. */
  OUTPOST_STREAM_HEARTBEAT_MS: millis(100, 15_000),
  OUTPOST_STREAM_REPLAY_LIMIT: z.coerce.number().int().min(0).max(10_000).default(1_000),
  OUTPOST_STREAM_MAX_BUFFER_BYTES: z.coerce.number().int().min(16_384).max(268_435_456).default(1_048_576),
  /** When set, /metrics needs `Authorization: Bearer <this>`; unset, /metrics is public (counts and timings only). */
  OUTPOST_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Background workers this process may run: `all`, `none`, or a comma list of worker names. */
  OUTPOST_WORKERS: z
    .string()
    .default('all')
    .transform((value, context) => {
      const selection = parseWorkerSelection(value);
      if (selection.ok) return selection.enabled;
      context.addIssue({
        code: 'custom',
        message: `unknown worker(s) ${selection.unknown.join(', ')}; use all, none, or a comma list of ${WORKER_NAMES.join(', ')}`,
      });
      return z.NEVER;
    }),
  /** How long a worker's lock holds without renewal; the holder renews every third of it. */
  OUTPOST_WORKER_LOCK_TTL_MS: millis(1000, 15_000),
  /** Agent liveness: online → suspect, then → offline, after this long without a sighting. */
  OUTPOST_AGENT_SUSPECT_AFTER_MS: millis(1000, 30_000),
  OUTPOST_AGENT_OFFLINE_AFTER_MS: millis(1000, 90_000),
  /** A running run whose agent sent no heartbeat for this long is failed as "agent lost". */
  OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS: millis(1000, 60_000),
  /** Joins and handshakes this manager serves at once; more are answered 503 with Retry-After. */
  OUTPOST_AGENT_ADMISSION_LIMIT: z.coerce.number().int().min(1).max(10_000).default(64),
  /** Retention in days (0 keeps forever): finished runs' logs, finished tasks, delivered events. */
  OUTPOST_RETENTION_LOG_DAYS: retentionDays(30),
  OUTPOST_RETENTION_TASK_DAYS: retentionDays(90),
  OUTPOST_RETENTION_EVENT_DAYS: retentionDays(30),
  /** Webhooks and task callbacks (see WebhookSettings in webhooks/webhook-settings.ts). */
  OUTPOST_WEBHOOK_FANOUT_INTERVAL_MS: millis(10, defaultWebhookSettings.fanoutIntervalMs),
  OUTPOST_WEBHOOK_DELIVERY_INTERVAL_MS: millis(10, defaultWebhookSettings.deliveryIntervalMs),
  OUTPOST_WEBHOOK_TIMEOUT_MS: millis(100, defaultWebhookSettings.timeoutMs),
  OUTPOST_WEBHOOK_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(defaultWebhookSettings.maxAttempts),
  OUTPOST_WEBHOOK_BACKOFF_BASE_MS: millis(10, defaultWebhookSettings.backoffBaseMs),
  OUTPOST_WEBHOOK_BACKOFF_MAX_MS: millis(10, defaultWebhookSettings.backoffMaxMs),
  OUTPOST_WEBHOOK_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(256)
    .default(defaultWebhookSettings.concurrency),
  OUTPOST_WEBHOOK_GAP_WAIT_MS: millis(0, defaultWebhookSettings.outboxGapWaitMs),
});

/**
 * Timing rules the fenced election relies on; each message names the variables to change.
 * - A secondary asks for the lease only after missing `failures` probes, so the lease must outlive
 *   that, or a healthy primary that merely missed probes loses its zone.
 * - The primary renews when less than half the lease is left, at its next poll: a poll held longer
 *   than half the lease would let the lease lapse while the primary is healthy.
 */
export const configEnvRules = configEnvSchema.superRefine((env, context) => {
  const detection = env.OUTPOST_AGENT_PROBE_INTERVAL_MS * env.OUTPOST_AGENT_PROBE_FAILURES;
  if (env.OUTPOST_AGENT_LEASE_TTL_MS <= detection) {
    context.addIssue({
      code: 'custom',
      path: ['OUTPOST_AGENT_LEASE_TTL_MS'],
      message: `must exceed OUTPOST_AGENT_PROBE_INTERVAL_MS × OUTPOST_AGENT_PROBE_FAILURES (${env.OUTPOST_AGENT_PROBE_INTERVAL_MS} × ${env.OUTPOST_AGENT_PROBE_FAILURES} = ${detection} ms)`,
    });
  }
  if (env.OUTPOST_AGENT_POLL_WAIT_MS * 2 >= env.OUTPOST_AGENT_LEASE_TTL_MS) {
    context.addIssue({
      code: 'custom',
      path: ['OUTPOST_AGENT_POLL_WAIT_MS'],
      message: `must be less than half of OUTPOST_AGENT_LEASE_TTL_MS (${env.OUTPOST_AGENT_LEASE_TTL_MS} ms), or the lease lapses during a held poll`,
    });
  }
  livenessRules(env, context);
});

/**
 * Liveness and reaping must never judge a healthy agent by a stale row:
 * - lastSeenAt of a healthy agent lags by up to the sightings write interval (10 s) plus one held
 *   poll, so `suspect` must wait longer than that, and `offline` longer than `suspect`;
 * - a run's heartbeat is written at most every 5 s from reports sent every heartbeat interval, so
 *   the reaper must allow at least two of those to be missed.
 */
function livenessRules(env: z.infer<typeof configEnvSchema>, context: z.RefinementCtx): void {
  const seenLag = SEEN_WRITE_INTERVAL_MS + env.OUTPOST_AGENT_POLL_WAIT_MS;
  if (env.OUTPOST_AGENT_SUSPECT_AFTER_MS <= seenLag) {
    context.addIssue({
      code: 'custom',
      path: ['OUTPOST_AGENT_SUSPECT_AFTER_MS'],
      message: `must exceed the ${SEEN_WRITE_INTERVAL_MS} ms sightings write interval plus OUTPOST_AGENT_POLL_WAIT_MS (${seenLag} ms), or healthy agents turn suspect`,
    });
  }
  if (env.OUTPOST_AGENT_OFFLINE_AFTER_MS <= env.OUTPOST_AGENT_SUSPECT_AFTER_MS) {
    context.addIssue({
      code: 'custom',
      path: ['OUTPOST_AGENT_OFFLINE_AFTER_MS'],
      message: `must exceed OUTPOST_AGENT_SUSPECT_AFTER_MS (${env.OUTPOST_AGENT_SUSPECT_AFTER_MS} ms)`,
    });
  }
  const heartbeatLag = 2 * (HEARTBEAT_WRITE_INTERVAL_MS + env.OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS);
  if (env.OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS <= heartbeatLag) {
    context.addIssue({
      code: 'custom',
      path: ['OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS'],
      message: `must exceed twice the ${HEARTBEAT_WRITE_INTERVAL_MS} ms heartbeat write interval plus OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS (${heartbeatLag} ms), or running tasks are reaped`,
    });
  }
}
export type ConfigEnv = z.infer<typeof configEnvSchema>;

export type DatabaseTargetConfig = { kind: 'sqlite'; file: string } | { kind: 'mysql'; url: string };

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseTargetConfig;
  amqpUrl: string | null;
  publicUrl: string;
  jwtSecret: string;
  /** 32-byte AES-256-GCM key for credentials and webhook secrets. */
  credentialsKey: Buffer;
  sessionTtlSeconds: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  bodyLimitBytes: number;
  corsOrigins: string[];
  consoleDir: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  validateResponses: boolean;
  /** Timing sent to agents; the lease TTL also drives the manager's election. */
  agentSettings: AgentSettings;
  /** Explicit path of the agent bundle the installer serves, or null for the default location. */
  agentBundleFile: string | null;
  /** RabbitMQ exchanges: outbox events (durable topic), cross-manager wake-ups, live-only messages. */
  amqpExchanges: { events: string; wakeups: string; live: string };
  /** The outbox publisher's pause between passes and batch size. */
  eventPublishing: { intervalMs: number; batchSize: number };
  /** The console's live stream. */
  liveStream: { heartbeatMs: number; replayLimit: number; maxBufferBytes: number };
  /** Bearer token that protects /metrics, or null for a public /metrics. */
  metricsToken: string | null;
  /** Background workers this process runs (each only while it holds its lock) and the lock TTL. */
  workers: { enabled: readonly WorkerName[]; lockTtlMs: number };
  /** Agent liveness thresholds, from lastSeenAt. */
  liveness: { suspectAfterMs: number; offlineAfterMs: number };
  /** A running run without a heartbeat for this long is reaped as "agent lost". */
  runHeartbeatTimeoutMs: number;
  /** Joins and handshakes served at once; a storm beyond it is told to retry (503, Retry-After). */
  agentAdmissionLimit: number;
  /** Days to keep finished runs' logs, finished tasks and delivered events; 0 keeps them forever. */
  retention: { logDays: number; taskDays: number; eventDays: number };
  /** Webhook and task-callback dispatch: intervals, timeout, retries, concurrency. */
  webhooks: WebhookSettings;
}
