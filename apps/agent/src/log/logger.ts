import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];
export type LogFields = Record<string, unknown>;

export function isLogLevel(value: string): value is LogLevel {
  return (logLevels as readonly string[]).includes(value);
}

/** What every part of the agent logs through; `child` adds a component name to each line. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(component: string): Logger;
}

const REDACTED = '[redacted]';
/** Field names that carry secrets whatever their value looks like. */
const secretKey = /credential|token|api[-_]?key|secret|password|authorization|signature/i;
/** Values shorter than this are not masked by content (they would mask ordinary words). */
const MIN_MASKED_SECRET = 8;

export interface LoggerOptions {
  level: LogLevel;
  /** The agent log file (`agent.log` in the state dir); rotated at `maxFileBytes`. */
  filePath?: string | null;
  maxFileBytes?: number;
  backups?: number;
  stdout?: boolean;
  now?: () => number;
}

/** A file appended synchronously (lines stay ordered, nothing is lost on exit) and rotated by size. */
class RotatingFile {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly backups: number,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(line: string): void {
    const bytes = Buffer.from(line, 'utf8');
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    for (let n = this.backups - 1; n >= 1; n -= 1) {
      try {
        renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
      } catch {
        // that backup does not exist yet
      }
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}

/**
 * The agent's one logger: stdout plus `agent.log`, a level that ChangeLogLevel can move at run
 * time, and masking of secrets both by field name and by value (credential, session token, API key,
 * LAN secret are registered with `addSecret` as soon as they are known).
 */
export class RootLogger implements Logger {
  private level: LogLevel;
  private readonly file: RotatingFile | null;
  private readonly secrets = new Set<string>();
  private readonly stdout: boolean;
  private readonly now: () => number;

  constructor(options: LoggerOptions) {
    this.level = options.level;
    this.stdout = options.stdout ?? true;
    this.now = options.now ?? Date.now;
    this.file = options.filePath
      ? new RotatingFile(options.filePath, options.maxFileBytes ?? 5 * 1024 * 1024, options.backups ?? 3)
      : null;
  }

  setLevel(level: LogLevel): { before: LogLevel; current: LogLevel } {
    const before = this.level;
    this.level = level;
    return { before, current: level };
  }

  getLevel(): LogLevel {
    return this.level;
  }

  filePath(): string | null {
    return this.file?.path ?? null;
  }

  addSecret(value: string | null | undefined): void {
    if (value && value.length >= MIN_MASKED_SECRET) this.secrets.add(value);
  }

  close(): void {
    this.file?.close();
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', null, message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', null, message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', null, message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', null, message, fields);
  }

  child(component: string): Logger {
    return new ComponentLogger(this, component);
  }

  /** @internal used by component loggers */
  write(level: LogLevel, component: string | null, message: string, fields?: LogFields): void {
    if (logLevels.indexOf(level) < logLevels.indexOf(this.level)) return;
    const parts = [new Date(this.now()).toISOString(), level.toUpperCase().padEnd(5)];
    if (component) parts.push(`[${component}]`);
    parts.push(this.mask(message));
    if (fields && Object.keys(fields).length > 0) parts.push(this.mask(JSON.stringify(this.redact(fields))));
    const line = `${parts.join(' ')}\n`;
    if (this.stdout) process.stdout.write(line);
    try {
      this.file?.write(line);
    } catch (error) {
      // A full disk must not take the agent down; stdout still has the line.
      if (this.stdout) process.stdout.write(`log file write failed: ${String(error)}\n`);
    }
  }

  private redact(fields: LogFields): LogFields {
    const out: LogFields = {};
    for (const [key, value] of Object.entries(fields)) {
      if (secretKey.test(key)) out[key] = REDACTED;
      else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
      else out[key] = value;
    }
    return out;
  }

  private mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join(REDACTED);
    return masked;
  }
}

class ComponentLogger implements Logger {
  constructor(
    private readonly root: RootLogger,
    private readonly component: string,
  ) {}
  debug(message: string, fields?: LogFields): void {
    this.root.write('debug', this.component, message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.root.write('info', this.component, message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.root.write('warn', this.component, message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.root.write('error', this.component, message, fields);
  }
  child(component: string): Logger {
    return new ComponentLogger(this.root, `${this.component}/${component}`);
  }
}

/** Message text of anything thrown, for log lines. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
