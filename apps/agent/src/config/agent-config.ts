import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseLabelList, type Labels } from '@outpost/shared';
import { isLogLevel, logLevels, type LogLevel } from '../log/logger';

/** A wrong or missing setting; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Every setting of `run`/`join`: its flag, its variable, and (for secrets) a `_FILE` variant. */
export const settingSources = {
  manager: { flag: '--manager', env: 'OUTPOST_AGENT_MANAGER' },
  zone: { flag: '--zone', env: 'OUTPOST_AGENT_ZONE' },
  apiKey: { flag: '--api-key', env: 'OUTPOST_AGENT_API_KEY', secret: true },
  joinToken: { flag: '--join-token', env: 'OUTPOST_AGENT_JOIN_TOKEN', secret: true },
  stateDir: { flag: '--state-dir', env: 'OUTPOST_AGENT_STATE_DIR' },
  lanPort: { flag: '--lan-port', env: 'OUTPOST_AGENT_LAN_PORT' },
  lanAddress: { flag: '--lan-address', env: 'OUTPOST_AGENT_LAN_ADDRESS' },
  labels: { flag: '--labels', env: 'OUTPOST_AGENT_LABELS' },
  logLevel: { flag: '--log-level', env: 'OUTPOST_AGENT_LOG_LEVEL' },
} as const;
export type SettingName = keyof typeof settingSources;

export const DEFAULT_LAN_PORT = 18_800;

export interface AgentConfig {
  managerUrl: string | null;
  zoneId: number | null;
  apiKey: string | null;
  joinToken: string | null;
  stateDir: string;
  lanPort: number;
  lanAddress: string | null;
  labels: Labels;
  logLevel: LogLevel;
}

export interface ParsedArgs {
  command: string | null;
  flags: Map<string, string>;
  help: boolean;
}

const knownFlags = new Set<string>(Object.values(settingSources).map((source) => source.flag));

/** `outpost-agent <command> [--flag value | --flag=value]...`; unknown flags are config errors. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  let command: string | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (!knownFlags.has(name)) throw new ConfigError(`unknown option ${name} (see outpost-agent --help)`);
      let value: string | undefined;
      if (eq > 0) value = arg.slice(eq + 1);
      else {
        value = argv[i + 1];
        i += 1;
      }
      if (value === undefined) throw new ConfigError(`${name} needs a value`);
      flags.set(name, value);
      continue;
    }
    if (command === null) command = arg;
    else throw new ConfigError(`unexpected argument "${arg}"`);
  }
  return { command, flags, help };
}

export interface ResolveOptions {
  isRoot: boolean;
  cwd: string;
  readFile?: (path: string) => string;
}

function describe(name: SettingName): string {
  const source = settingSources[name];
  return 'secret' in source
    ? `${source.flag} (${source.env} or ${source.env}_FILE)`
    : `${source.flag} (${source.env})`;
}

/**
 * Flags win over variables; a secret may also come from the file named by `<VAR>_FILE` (setting
 * both the variable and its file variant is an error: which one was meant?). Every error names the
 * flag and the variable, and never echoes a secret.
 */
export function resolveConfig(
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
  options: ResolveOptions,
): AgentConfig {
  const read = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const raw = (name: SettingName): string | null => {
    const source = settingSources[name];
    const fromFlag = flags.get(source.flag);
    if (fromFlag !== undefined) return fromFlag.trim() === '' ? null : fromFlag.trim();
    const fromEnv = env[source.env];
    if ('secret' in source) {
      const file = env[`${source.env}_FILE`];
      if (fromEnv && file)
        throw new ConfigError(`${describe(name)}: set ${source.env} or ${source.env}_FILE, not both`);
      if (file) {
        try {
          const text = read(file).trim();
          return text === '' ? null : text;
        } catch (error) {
          throw new ConfigError(`${describe(name)}: cannot read ${file}: ${(error as Error).message}`);
        }
      }
    }
    return fromEnv === undefined || fromEnv.trim() === '' ? null : fromEnv.trim();
  };

  const managerText = raw('manager');
  let managerUrl: string | null = null;
  if (managerText !== null) {
    let url: URL;
    try {
      url = new URL(managerText);
    } catch {
      throw new ConfigError(
        `${describe('manager')}: "${managerText}" is not a URL (e.g. https://outpost.example.com)`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(`${describe('manager')}: must be an http:// or https:// URL`);
    managerUrl = managerText.replace(/\/+$/, '');
  }

  const zoneText = raw('zone');
  let zoneId: number | null = null;
  if (zoneText !== null) {
    if (!/^\d{1,10}$/.test(zoneText) || Number(zoneText) < 1 || Number(zoneText) > 2_147_483_647) {
      throw new ConfigError(`${describe('zone')}: must be a zone id (a positive integer), got "${zoneText}"`);
    }
    zoneId = Number(zoneText);
  }

  const apiKey = raw('apiKey');
  const joinToken = raw('joinToken');
  if (apiKey && joinToken)
    throw new ConfigError(`give ${describe('apiKey')} or ${describe('joinToken')}, not both`);
  for (const [name, value] of [
    ['apiKey', apiKey],
    ['joinToken', joinToken],
  ] as const) {
    if (value !== null && value.length > 200)
      throw new ConfigError(`${describe(name)}: too long (at most 200 characters)`);
  }

  const portText = raw('lanPort');
  let lanPort = DEFAULT_LAN_PORT;
  if (portText !== null) {
    // 0 asks the system for a free port (tests, several agents on one host); it is advertised as bound.
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
      throw new ConfigError(`${describe('lanPort')}: must be a port number 0-65535, got "${portText}"`);
    }
    lanPort = Number(portText);
  }

  const lanAddress = raw('lanAddress');
  if (lanAddress !== null && isIP(lanAddress) === 0)
    throw new ConfigError(`${describe('lanAddress')}: must be an IP address, got "${lanAddress}"`);

  let labels: Labels = {};
  const labelText = raw('labels');
  if (labelText !== null) {
    try {
      labels = parseLabelList(labelText);
    } catch (error) {
      const issues = (error as { issues?: { message: string }[] }).issues;
      throw new ConfigError(
        `${describe('labels')}: ${issues?.[0]?.message ?? (error as Error).message} (format: key=value,key2=value2)`,
      );
    }
  }

  const levelText = raw('logLevel') ?? 'info';
  if (!isLogLevel(levelText))
    throw new ConfigError(
      `${describe('logLevel')}: must be one of ${logLevels.join(', ')}, got "${levelText}"`,
    );

  const stateDir =
    raw('stateDir') ?? (options.isRoot ? '/var/lib/outpost-agent' : join(options.cwd, '.outpost-agent'));

  return {
    managerUrl,
    zoneId,
    apiKey,
    joinToken,
    stateDir,
    lanPort,
    lanAddress,
    labels,
    logLevel: levelText,
  };
}

export { describe as describeSetting };
