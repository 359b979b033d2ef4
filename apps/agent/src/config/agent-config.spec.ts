import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LAN_PORT, parseArgs, resolveConfig } from './agent-config';

const asRoot = { isRoot: true, cwd: '/home/op' };
const resolve = (argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) =>
  resolveConfig(parseArgs(argv).flags, env, {
    ...asRoot,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT: no such file');
      return text;
    },
  });

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseArgs', () => {
  it('reads the command and both flag forms', () => {
    const parsed = parseArgs(['run', '--manager', 'http://m:3000', '--zone=4']);
    expect(parsed.command).toBe('run');
    expect(parsed.flags.get('--manager')).toBe('http://m:3000');
    expect(parsed.flags.get('--zone')).toBe('4');
  });

  it('refuses unknown flags and flags without a value', () => {
    expect(configError(() => parseArgs(['run', '--mangaer', 'x']))).toMatch(/unknown option --mangaer/);
    expect(configError(() => parseArgs(['run', '--zone']))).toMatch(/--zone needs a value/);
  });

  it('sees --help anywhere', () => {
    expect(parseArgs(['run', '--help']).help).toBe(true);
  });
});

describe('resolveConfig', () => {
  it('applies defaults', () => {
    const config = resolve([]);
    expect(config).toMatchObject({
      stateDir: '/var/lib/outpost-agent',
      lanPort: DEFAULT_LAN_PORT,
      logLevel: 'info',
      labels: {},
      managerUrl: null,
    });
    expect(resolveConfig(new Map(), {}, { isRoot: false, cwd: '/home/op' }).stateDir).toBe(
      '/home/op/.outpost-agent',
    );
  });

  it('reads every setting from its variable', () => {
    const config = resolve([], {
      OUTPOST_AGENT_MANAGER: 'https://outpost.example.com/',
      OUTPOST_AGENT_ZONE: '12',
      OUTPOST_AGENT_API_KEY: 'key-123',
      OUTPOST_AGENT_STATE_DIR: '/srv/agent',
      OUTPOST_AGENT_LAN_PORT: '19000',
      OUTPOST_AGENT_LAN_ADDRESS: '10.0.0.5',
      OUTPOST_AGENT_LABELS: 'env=prod,rack=a1',
      OUTPOST_AGENT_LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      managerUrl: 'https://outpost.example.com',
      zoneId: 12,
      apiKey: 'key-123',
      joinToken: null,
      stateDir: '/srv/agent',
      lanPort: 19000,
      lanAddress: '10.0.0.5',
      labels: { env: 'prod', rack: 'a1' },
      logLevel: 'debug',
    });
  });

  it('lets flags win over variables', () => {
    const config = resolve(['--zone', '7', '--log-level', 'warn'], {
      OUTPOST_AGENT_ZONE: '3',
      OUTPOST_AGENT_LOG_LEVEL: 'debug',
    });
    expect(config.zoneId).toBe(7);
    expect(config.logLevel).toBe('warn');
  });

  it('reads secrets from *_FILE variables', () => {
    const config = resolve(
      [],
      { OUTPOST_AGENT_JOIN_TOKEN_FILE: '/run/secrets/token' },
      { '/run/secrets/token': 'tok-abc\n' },
    );
    expect(config.joinToken).toBe('tok-abc');
  });

  it('refuses a secret given both directly and as a file', () => {
    const message = configError(() =>
      resolve([], { OUTPOST_AGENT_API_KEY: 'a', OUTPOST_AGENT_API_KEY_FILE: '/x' }, { '/x': 'b' }),
    );
    expect(message).toMatch(/OUTPOST_AGENT_API_KEY_FILE/);
  });

  it('names the flag and the variable of an unreadable secret file', () => {
    expect(configError(() => resolve([], { OUTPOST_AGENT_API_KEY_FILE: '/missing' }))).toMatch(
      /--api-key \(OUTPOST_AGENT_API_KEY or OUTPOST_AGENT_API_KEY_FILE\): cannot read \/missing/,
    );
  });

  it.each([
    [['--manager', 'not a url'], /--manager \(OUTPOST_AGENT_MANAGER\)/],
    [['--manager', 'ftp://m'], /--manager \(OUTPOST_AGENT_MANAGER\): must be an http/],
    [['--zone', 'abc'], /--zone \(OUTPOST_AGENT_ZONE\)/],
    [['--zone', '0'], /--zone \(OUTPOST_AGENT_ZONE\)/],
    [['--lan-port', '70000'], /--lan-port \(OUTPOST_AGENT_LAN_PORT\)/],
    [['--lan-address', 'my-host'], /--lan-address \(OUTPOST_AGENT_LAN_ADDRESS\)/],
    [['--labels', 'novalue'], /--labels \(OUTPOST_AGENT_LABELS\)/],
    [['--labels', 'bad key=1'], /--labels \(OUTPOST_AGENT_LABELS\)/],
    [['--log-level', 'loud'], /--log-level \(OUTPOST_AGENT_LOG_LEVEL\)/],
  ])('refuses %j naming the flag and the variable', (argv, pattern) => {
    expect(configError(() => resolve(argv))).toMatch(pattern);
  });

  it('refuses an API key and a join token together without echoing either', () => {
    const message = configError(() =>
      resolve(['--api-key', 'secret-key-1', '--join-token', 'secret-token-2']),
    );
    expect(message).toMatch(/--api-key .* or --join-token .* not both/);
    expect(message).not.toMatch(/secret-key-1|secret-token-2/);
  });
});
