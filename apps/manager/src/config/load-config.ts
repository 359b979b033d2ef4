import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AppConfig, configEnvRules } from './config.schema';

/** Raised for any wrong or missing setting; the message names the variable. */
export class ConfigError extends Error {}

const SECRET_NAMES = [
  'OUTPOST_JWT_SECRET',
  'OUTPOST_CREDENTIALS_KEY',
  'OUTPOST_DATABASE_URL',
  'OUTPOST_AMQP_URL',
  'OUTPOST_METRICS_TOKEN',
] as const;

/** `KEY=value` lines; `#` comments and blank lines ignored; optional surrounding quotes removed. */
function parseEnvFile(text: string, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${file}:${index + 1}: expected KEY=value`);
    const value = trimmed
      .slice(eq + 1)
      .trim()
      .replace(/^(['"])(.*)\1$/, '$2');
    values[trimmed.slice(0, eq).trim()] = value;
  });
  return values;
}

function readSecretFile(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new ConfigError(`${name}_FILE: cannot read ${file}`);
  }
}

/** Merges the config file, the environment and `_FILE` secrets into one flat map. */
function collectRawSettings(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const fromFile: Record<string, string> = {};
  if (env.OUTPOST_CONFIG_FILE) {
    let text: string;
    try {
      text = readFileSync(env.OUTPOST_CONFIG_FILE, 'utf8');
    } catch {
      throw new ConfigError(`OUTPOST_CONFIG_FILE: cannot read ${env.OUTPOST_CONFIG_FILE}`);
    }
    Object.assign(fromFile, parseEnvFile(text, env.OUTPOST_CONFIG_FILE));
  }
  const raw: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('OUTPOST_') && value !== undefined && value !== '') raw[key] = value;
  }
  for (const name of SECRET_NAMES) {
    const file = raw[`${name}_FILE`];
    if (file) {
      if (raw[name]) throw new ConfigError(`${name} and ${name}_FILE are both set; set only one`);
      raw[name] = readSecretFile(name, file);
    }
  }
  return raw;
}

/**
 * Embedded default: a secret not given is generated once and kept in the data dir (mode 0600), so
 * sessions and encrypted credentials survive restarts. Several managers sharing one database must
 * be given the same values instead.
 */
function persistentSecret(dataDir: string, fileName: string, generate: () => string): string {
  const file = path.join(dataDir, 'secrets', fileName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = collectRawSettings(env);
  const parsed = configEnvRules.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'configuration');
      const shown = SECRET_NAMES.includes(name as (typeof SECRET_NAMES)[number])
        ? ''
        : ` (got "${raw[name] ?? ''}")`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const settings = parsed.data;
  const dataDir = path.resolve(settings.OUTPOST_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const jwtSecret =
    settings.OUTPOST_JWT_SECRET ??
    persistentSecret(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64'));
  const credentialsKey =
    settings.OUTPOST_CREDENTIALS_KEY ??
    persistentSecret(dataDir, 'credentials-key', () => randomBytes(32).toString('base64'));
  return {
    port: settings.OUTPOST_PORT,
    host: settings.OUTPOST_HOST,
    dataDir,
    database: settings.OUTPOST_DATABASE_URL
      ? { kind: 'mysql', url: settings.OUTPOST_DATABASE_URL }
      : { kind: 'sqlite', file: path.join(dataDir, 'outpost.sqlite') },
    amqpUrl: settings.OUTPOST_AMQP_URL ?? null,
    publicUrl: (settings.OUTPOST_PUBLIC_URL ?? `http://localhost:${settings.OUTPOST_PORT}`).replace(
      /\/+$/,
      '',
    ),
    jwtSecret,
    credentialsKey: Buffer.from(credentialsKey, 'base64'),
    sessionTtlSeconds: settings.OUTPOST_SESSION_TTL_SECONDS,
    loginMaxFailures: settings.OUTPOST_LOGIN_MAX_FAILURES,
    loginLockoutSeconds: settings.OUTPOST_LOGIN_LOCKOUT_SECONDS,
    bodyLimitBytes: settings.OUTPOST_BODY_LIMIT_BYTES,
    corsOrigins: settings.OUTPOST_CORS_ORIGINS,
    consoleDir: settings.OUTPOST_CONSOLE_DIR ? path.resolve(settings.OUTPOST_CONSOLE_DIR) : null,
    logLevel: settings.OUTPOST_LOG_LEVEL,
    validateResponses: settings.OUTPOST_VALIDATE_RESPONSES === 'true',
    agentSettings: {
      pollWaitMs: settings.OUTPOST_AGENT_POLL_WAIT_MS,
      leaseTtlMs: settings.OUTPOST_AGENT_LEASE_TTL_MS,
      probeIntervalMs: settings.OUTPOST_AGENT_PROBE_INTERVAL_MS,
      probeFailuresBeforeElection: settings.OUTPOST_AGENT_PROBE_FAILURES,
      heartbeatIntervalMs: settings.OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS,
      sessionTtlMs: settings.OUTPOST_AGENT_SESSION_TTL_MS,
    },
    agentBundleFile: settings.OUTPOST_AGENT_BUNDLE_FILE
      ? path.resolve(settings.OUTPOST_AGENT_BUNDLE_FILE)
      : null,
    amqpExchanges: {
      events: settings.OUTPOST_AMQP_EXCHANGE,
      wakeups: settings.OUTPOST_AMQP_WAKEUP_EXCHANGE,
      live: settings.OUTPOST_AMQP_LIVE_EXCHANGE,
    },
    eventPublishing: {
      intervalMs: settings.OUTPOST_EVENTS_PUBLISH_INTERVAL_MS,
      batchSize: settings.OUTPOST_EVENTS_PUBLISH_BATCH,
    },
    liveStream: {
      heartbeatMs: settings.OUTPOST_STREAM_HEARTBEAT_MS,
      replayLimit: settings.OUTPOST_STREAM_REPLAY_LIMIT,
      maxBufferBytes: settings.OUTPOST_STREAM_MAX_BUFFER_BYTES,
    },
    metricsToken: settings.OUTPOST_METRICS_TOKEN ?? null,
    workers: { enabled: settings.OUTPOST_WORKERS, lockTtlMs: settings.OUTPOST_WORKER_LOCK_TTL_MS },
    liveness: {
      suspectAfterMs: settings.OUTPOST_AGENT_SUSPECT_AFTER_MS,
      offlineAfterMs: settings.OUTPOST_AGENT_OFFLINE_AFTER_MS,
    },
    runHeartbeatTimeoutMs: settings.OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS,
    agentAdmissionLimit: settings.OUTPOST_AGENT_ADMISSION_LIMIT,
    retention: {
      logDays: settings.OUTPOST_RETENTION_LOG_DAYS,
      taskDays: settings.OUTPOST_RETENTION_TASK_DAYS,
      eventDays: settings.OUTPOST_RETENTION_EVENT_DAYS,
    },
    webhooks: {
      fanoutIntervalMs: settings.OUTPOST_WEBHOOK_FANOUT_INTERVAL_MS,
      deliveryIntervalMs: settings.OUTPOST_WEBHOOK_DELIVERY_INTERVAL_MS,
      timeoutMs: settings.OUTPOST_WEBHOOK_TIMEOUT_MS,
      maxAttempts: settings.OUTPOST_WEBHOOK_MAX_ATTEMPTS,
      backoffBaseMs: settings.OUTPOST_WEBHOOK_BACKOFF_BASE_MS,
      backoffMaxMs: Math.max(
        settings.OUTPOST_WEBHOOK_BACKOFF_MAX_MS,
        settings.OUTPOST_WEBHOOK_BACKOFF_BASE_MS,
      ),
      concurrency: settings.OUTPOST_WEBHOOK_CONCURRENCY,
      outboxGapWaitMs: settings.OUTPOST_WEBHOOK_GAP_WAIT_MS,
    },
  };
}
