import { type AgentSettings, defaultAgentSettings } from '@outpost/shared';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65_535);
const positiveSeconds = z.coerce.number().int().min(1);
const millis = (min: number, fallback: number) =>
  z.coerce.number().int().min(min).max(86_400_000).default(fallback);

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
});
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
}
