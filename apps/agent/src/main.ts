import { AGENT_PROTOCOL_VERSION, lanPaths } from '@outpost/shared';
import { startAgent, type AgentHandle } from './agent';
import { httpCall } from './client/http-call';
import { classifyError, defaultBackoff } from './client/retry';
import {
  ConfigError,
  DEFAULT_LAN_PORT,
  parseArgs,
  resolveConfig,
  type AgentConfig,
} from './config/agent-config';
import { buildIdentity, defaultLanAddress } from './host/host-identity';
import { ensureIdentity, JoinRefusedError } from './joining';
import { errorMessage, RootLogger } from './log/logger';
import { ensureStateDir, readIdentity } from './state/identity-store';
import { ReportQueue } from './state/report-queue';
import { readRuntimeSnapshot } from './state/runtime-file';
import { AGENT_VERSION } from './version';

/** Exit codes: 0 done, 1 runtime failure, 2 wrong or missing setting, 3 protocol version mismatch. */
export const EXIT = { ok: 0, failure: 1, config: 2, protocol: 3 } as const;

const USAGE = `outpost-agent ${AGENT_VERSION}: the Outpost agent

Usage:
  outpost-agent run     [options]   join if needed, then run the agent daemon
  outpost-agent join    [options]   join the zone and write the state dir, then exit
  outpost-agent status  [options]   show identity, role and report queue from the state dir
  outpost-agent version             print the agent and protocol versions
  outpost-agent --help

Options (each also an environment variable; flags win):
  --manager <url>        OUTPOST_AGENT_MANAGER       manager base URL (needed to join)
  --zone <id>            OUTPOST_AGENT_ZONE          zone id (needed to join)
  --api-key <key>        OUTPOST_AGENT_API_KEY       zone API key (or OUTPOST_AGENT_API_KEY_FILE)
  --join-token <token>   OUTPOST_AGENT_JOIN_TOKEN    join token (or OUTPOST_AGENT_JOIN_TOKEN_FILE)
  --state-dir <dir>      OUTPOST_AGENT_STATE_DIR     default /var/lib/outpost-agent (root) or ./.outpost-agent
  --lan-port <port>      OUTPOST_AGENT_LAN_PORT      LAN port for the zone's agents, default 18800
  --lan-address <ip>     OUTPOST_AGENT_LAN_ADDRESS   address advertised to the zone, default first non-internal IPv4
  --labels k=v,...       OUTPOST_AGENT_LABELS        agent labels
  --log-level <level>    OUTPOST_AGENT_LOG_LEVEL     debug | info | warn | error (default info)

Once the state dir holds an identity the agent never joins again; the API key or join token is
then not needed.
`;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  isRoot: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo = (): CliIo => ({
  env: process.env,
  cwd: process.cwd(),
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});

/** Runs one CLI command and resolves with the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let config: AgentConfig;
  let command: string | null;
  try {
    const parsed = parseArgs(argv);
    if (parsed.help || parsed.command === 'help') {
      io.out(USAGE);
      return EXIT.ok;
    }
    command = parsed.command;
    if (command === 'version') {
      io.out(`outpost-agent ${AGENT_VERSION} (agent protocol ${AGENT_PROTOCOL_VERSION})\n`);
      return EXIT.ok;
    }
    if (command === null) {
      io.err(USAGE);
      return EXIT.config;
    }
    if (!['run', 'join', 'status'].includes(command))
      throw new ConfigError(`unknown command "${command}" (see outpost-agent --help)`);
    config = resolveConfig(parsed.flags, io.env, { isRoot: io.isRoot, cwd: io.cwd });
  } catch (error) {
    return failure(io, error);
  }
  try {
    if (command === 'join') return await joinCommand(config, io);
    if (command === 'status') return await statusCommand(config, io);
    return await runCommand(config);
  } catch (error) {
    return failure(io, error);
  }
}

function failure(io: CliIo, error: unknown): number {
  if (error instanceof ConfigError || error instanceof JoinRefusedError) {
    io.err(`outpost-agent: ${error.message}\n`);
    return EXIT.config;
  }
  if (classifyError(error) === 'fatal') {
    io.err(`outpost-agent: the manager refuses this agent: ${errorMessage(error)}\n`);
    return EXIT.protocol;
  }
  io.err(`outpost-agent: ${errorMessage(error)}\n`);
  return EXIT.failure;
}

async function joinCommand(config: AgentConfig, io: CliIo): Promise<number> {
  await ensureStateDir(config.stateDir);
  const logger = new RootLogger({
    level: config.logLevel,
    filePath: `${config.stateDir}/agent.log`,
    stdout: false,
  });
  logger.addSecret(config.apiKey);
  logger.addSecret(config.joinToken);
  try {
    const lanAddress = config.lanAddress ?? defaultLanAddress();
    const { identity, joined } = await ensureIdentity({
      stateDir: config.stateDir,
      managerUrl: config.managerUrl,
      zoneId: config.zoneId,
      apiKey: config.apiKey,
      joinToken: config.joinToken,
      // With port 0 (a free port at run time) nothing is bound yet; every handshake of `run` re-sends the real one.
      identity: () =>
        buildIdentity({ lanAddress, lanPort: config.lanPort || DEFAULT_LAN_PORT, labels: config.labels }),
      logger: logger.child('join'),
      backoff: defaultBackoff,
      random: Math.random,
      maxAttempts: 6,
    });
    io.out(
      joined
        ? `joined zone ${identity.zoneId} as agent ${identity.agentKey} (state dir ${config.stateDir})\n`
        : `already joined zone ${identity.zoneId} as agent ${identity.agentKey} (state dir ${config.stateDir}); not joining again\n`,
    );
    return EXIT.ok;
  } finally {
    logger.close();
  }
}

async function statusCommand(config: AgentConfig, io: CliIo): Promise<number> {
  const identity = await readIdentity(config.stateDir);
  if (!identity) {
    io.out(`state dir ${config.stateDir}: not joined (no identity)\n`);
    return EXIT.failure;
  }
  const quiet = new RootLogger({ level: 'error', stdout: false });
  const queue = await ReportQueue.inspect(config.stateDir, quiet);
  const runtime = await readRuntimeSnapshot(config.stateDir);
  const port = runtime?.lanPort ?? config.lanPort;
  const health = await probeHealth(port);
  const lines = [
    ['agent', identity.agentKey],
    ['zone', String(identity.zoneId)],
    ['manager', identity.managerUrl],
    ['state dir', config.stateDir],
    ['joined at', identity.joinedAt],
    ['daemon', health ? `running (healthz on port ${port} answers)` : `not answering on port ${port}`],
    ['role', describeRole(runtime, health)],
    ['epoch', runtime ? String(runtime.epoch) : '-'],
    ['primary', runtime?.primaryAgentKey ?? '-'],
    ['report queue', `${queue.depth} unsent item(s)`],
    ['held runs', queue.heldRuns.length === 0 ? 'none' : queue.heldRuns.map((run) => run.runId).join(', ')],
  ];
  for (const [name, value] of lines) io.out(`${`${name}:`.padEnd(14)}${value}\n`);
  return EXIT.ok;
}

function describeRole(runtime: Awaited<ReturnType<typeof readRuntimeSnapshot>>, running: boolean): string {
  if (!runtime) return 'unknown (the daemon never ran with this state dir)';
  if (runtime.stoppedAt) return `none (stopped at ${runtime.stoppedAt})`;
  return running ? runtime.role : `${runtime.role} (last recorded; the daemon is not answering)`;
}

async function probeHealth(port: number): Promise<boolean> {
  try {
    const response = await httpCall(`http://127.0.0.1:${port}${lanPaths.health}`, {
      method: 'GET',
      headers: {},
      timeoutMs: 1_000,
    });
    return response.ok;
  } catch {
    return false;
  }
}

async function runCommand(config: AgentConfig): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let handle: AgentHandle | null = null;
    let exitCode: number | null = null;
    const joinAbort = new AbortController();
    const finish = (code: number): void => {
      if (exitCode !== null) return;
      exitCode = code;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(code);
    };
    let signals = 0;
    function onSignal(signal: NodeJS.Signals): void {
      signals += 1;
      if (!handle) {
        joinAbort.abort();
        finish(EXIT.ok);
        return;
      }
      // A second signal means "now": kill the runs instead of waiting for them.
      const force = signals > 1;
      process.stdout.write(
        `outpost-agent: ${signal}: ${force ? 'stopping now' : 'stopping (waiting up to 30 s for running tasks)'}\n`,
      );
      handle.stop({ force }).then(
        () => finish(EXIT.ok),
        () => finish(EXIT.failure),
      );
    }
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    startAgent({
      stateDir: config.stateDir,
      managerUrl: config.managerUrl,
      zoneId: config.zoneId,
      apiKey: config.apiKey,
      joinToken: config.joinToken,
      lanPort: config.lanPort,
      lanAddress: config.lanAddress,
      labels: config.labels,
      logLevel: config.logLevel,
      signal: joinAbort.signal,
      onFatal: (error) => {
        process.stderr.write(`outpost-agent: the manager refuses this agent: ${error.message}\n`);
        const stopping = handle ? handle.stop({ force: true }) : Promise.resolve();
        void stopping.finally(() => finish(EXIT.protocol));
      },
      onExit: (code) => finish(code),
    }).then(
      (started) => {
        handle = started;
      },
      (error: unknown) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        if (joinAbort.signal.aborted) finish(EXIT.ok);
        else reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** `node dist/outpost-agent.js ...` and the bin script both end here. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  runCli(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`outpost-agent: ${errorMessage(error)}`);
      process.exit(EXIT.failure);
    },
  );
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) main();
