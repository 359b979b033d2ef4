import { join } from 'node:path';
import type { HandshakeRequest, Labels, ReportResponse } from '@outpost/shared';
import { ManagerClient } from './client/manager-client';
import { ConfigError, describeSetting } from './config/agent-config';
import { defaultBackoff, type BackoffPolicy } from './client/retry';
import { RoleManager } from './election/role-manager';
import { ZoneState, type AgentRole } from './election/zone-state';
import { buildIdentity, defaultLanAddress } from './host/host-identity';
import { ResourceReader } from './host/resources';
import { checkJoinSettings, ensureIdentity } from './joining';
import { LanClient } from './lan/lan-client';
import { LanServer } from './lan/lan-server';
import { errorMessage, RootLogger, type LogLevel } from './log/logger';
import { Reporter } from './reporting/reporter';
import { ensureStateDir, readIdentity } from './state/identity-store';
import { ReportQueue } from './state/report-queue';
import { writeRuntimeSnapshot } from './state/runtime-file';
import { AGENT_VERSION } from './version';
import { QueueingRunSink } from './work/run-event-sink';
import { RunIntake } from './work/run-intake';
import type { AgentControls, RunnerFactory, RunnerPort } from './work/runner-port';

export const RESTARTED_DURING_RUN = 'agent restarted during the run';

export interface StartAgentOptions {
  stateDir: string;
  /** Needed to join; afterwards it overrides the URL kept in the state dir. */
  managerUrl?: string | null;
  /** Needed to join; afterwards it must match the state dir's zone. */
  zoneId?: number | null;
  apiKey?: string | null;
  joinToken?: string | null;
  /** Port of the LAN server; 0 picks a free one (tests). */
  lanPort: number;
  /** Address advertised to the zone; default: the first non-internal IPv4 address. */
  lanAddress?: string | null;
  /** Address the LAN server binds; default all interfaces. */
  lanBindHost?: string;
  labels?: Labels;
  logLevel?: LogLevel;
  logToStdout?: boolean;
  /** The task executor; default the real TaskRunner (src/runner). */
  runnerFactory?: RunnerFactory;
  backoff?: BackoffPolicy;
  random?: () => number;
  /** How long a graceful stop waits for running runs (default 30 s). */
  shutdownGraceMs?: number;
  requestTimeoutMs?: number;
  /** The manager refuses this agent's protocol version; the CLI exits 3. Default: stop the agent. */
  onFatal?: (error: Error) => void;
  /** Aborts a join still in progress (SIGTERM before the manager answered). */
  signal?: AbortSignal;
  /** A task asked the agent to shut down (AgentControls.shutdown) and it has; the CLI exits with the code. */
  onExit?: (code: number) => void;
}

export interface AgentStatus {
  agentKey: string;
  zoneId: number;
  managerUrl: string;
  version: string;
  role: AgentRole;
  epoch: number;
  primaryAgentKey: string | null;
  members: number;
  queueDepth: number;
  heldRuns: number;
  runningRuns: number;
  lanAddress: string;
  lanPort: number;
  lastReportAt: string | null;
  startedAt: string;
}

export interface StopOptions {
  /** Kill runs at once and give the queue 2 s, instead of waiting for runs. */
  force?: boolean;
  /** Override the grace period for running runs. */
  graceMs?: number;
}

export interface AgentHandle {
  readonly agentKey: string;
  readonly lanPort: number;
  status(): AgentStatus;
  stop(options?: StopOptions): Promise<void>;
}

/**
 * Starts the daemon in this process: state dir, LAN server, join (once), then the role loop and
 * the reporter. Resolves once the agent has an identity and listens; the manager may still be
 * unreachable (the agent keeps trying, never exits for that).
 */
export async function startAgent(options: StartAgentOptions): Promise<AgentHandle> {
  const startedAt = new Date();
  const backoff = options.backoff ?? defaultBackoff;
  const random = options.random ?? Math.random;
  const now = Date.now;
  // Settings that cannot work stop here, before a directory is created or a port is taken.
  checkJoinSettings(await readIdentity(options.stateDir), {
    stateDir: options.stateDir,
    managerUrl: options.managerUrl ?? null,
    zoneId: options.zoneId ?? null,
    apiKey: options.apiKey ?? null,
    joinToken: options.joinToken ?? null,
  });
  const stateDir = await ensureStateDir(options.stateDir);
  const logger = new RootLogger({
    level: options.logLevel ?? 'info',
    filePath: join(options.stateDir, 'agent.log'),
    stdout: options.logToStdout ?? true,
  });
  logger.addSecret(options.apiKey);
  logger.addSecret(options.joinToken);
  const log = logger.child('agent');
  if (stateDir.openToOthers) {
    log.warn('the state dir is readable by other users; make it 0700', { stateDir: options.stateDir });
  }

  const zone = new ZoneState();
  const resources = new ResourceReader(options.stateDir);
  const lanAddress = options.lanAddress ?? defaultLanAddress();
  const labels = options.labels ?? {};

  // Late-bound parts the LAN handlers need; signed calls are refused until the first handshake
  // gives the zone key, and by then all of them exist.
  let intake: RunIntake | null = null;
  let runner: RunnerPort | null = null;
  let reporter: Reporter | null = null;
  let roles: RoleManager | null = null;
  let agentKey = '';
  let stopping = false;

  const lanServer = new LanServer({
    port: options.lanPort,
    host: options.lanBindHost ?? (lanAddress.includes(':') ? '::' : '0.0.0.0'),
    logger: logger.child('lan'),
    handlers: {
      key: () => zone.lanKey,
      ping: () => ({
        agentKey,
        role: zone.role === 'primary' ? 'primary' : 'secondary',
        epoch: zone.epoch,
        runningTasks: runner?.runningCount() ?? 0,
        ...(resources.last() ? { resources: resources.last() } : {}),
      }),
      dispatch: async (request, caller) => {
        if (!intake) return { accepted: false, reason: 'agent is starting' };
        if (request.epoch < zone.epoch)
          return { accepted: false, reason: `stale epoch ${request.epoch} (current ${zone.epoch})` };
        if (request.epoch > zone.epoch) {
          // Signed by a zone member under a newer lease: a primary this agent does not follow yet.
          zone.epoch = request.epoch;
          if (caller !== zone.primary?.agentKey) {
            roles?.rehandshake(`a dispatch from ${caller} under the newer epoch ${request.epoch}`);
          }
        }
        return intake.acceptDispatch(request, caller);
      },
      cancel: (runId, caller) => {
        const canceled = runner?.cancel(runId, 'canceled') ?? false;
        log.info('cancel from the primary', { runId, from: caller, running: canceled });
        return { canceled };
      },
    },
  });

  const startAbort = new AbortController();
  options.signal?.addEventListener('abort', () => startAbort.abort(), { once: true });
  let queue: ReportQueue | null = null;
  let lanPort: number;
  try {
    lanPort = await lanServer.listen();
  } catch (error) {
    logger.close();
    throw new ConfigError(
      `${describeSetting('lanPort')}: cannot listen on port ${options.lanPort}: ${errorMessage(error)}`,
    );
  }
  const identityOf = (): ReturnType<typeof buildIdentity> => buildIdentity({ lanAddress, lanPort, labels });

  let stored;
  try {
    stored = await ensureIdentity({
      stateDir: options.stateDir,
      managerUrl: options.managerUrl ?? null,
      zoneId: options.zoneId ?? null,
      apiKey: options.apiKey ?? null,
      joinToken: options.joinToken ?? null,
      identity: identityOf,
      logger: logger.child('join'),
      backoff,
      random,
      signal: startAbort.signal,
    });
    queue = await ReportQueue.open(options.stateDir, {
      logger: logger.child('queue'),
      onDurable: () => reporter?.wake(),
    });
  } catch (error) {
    await lanServer.close();
    logger.close();
    throw error;
  }
  const { identity } = stored;
  agentKey = identity.agentKey;
  logger.addSecret(identity.credential);
  const reportQueue = queue;

  // The process group of every run died with the previous agent process: say so, once.
  for (const held of reportQueue.heldRuns()) {
    reportQueue.enqueue({
      kind: 'status',
      runId: held.runId,
      status: 'failed',
      currentStep: held.step,
      failedStep: held.step > 0 ? held.step : null,
      result: null,
      error: RESTARTED_DURING_RUN,
      at: new Date(now()).toISOString(),
    });
    reportQueue.finish(held.runId);
    log.warn('a run was interrupted by an agent restart; reporting it as failed', {
      runId: held.runId,
      taskId: held.taskId,
    });
  }

  const client = new ManagerClient({
    managerUrl: identity.managerUrl,
    logger: logger.child('client'),
    requestTimeoutMs: options.requestTimeoutMs,
    onSecret: (secret) => logger.addSecret(secret),
  });
  client.setCredentials(identity.agentKey, identity.credential);

  let handle: AgentHandle | null = null;
  const controls: AgentControls = {
    setLogLevel: (level) => logger.setLevel(level),
    logFilePath: () => logger.filePath(),
    shutdown: (mode, timeoutSeconds) => {
      // Later, not inside the runner's call: the run that asked must be able to finish its report.
      setImmediate(() => {
        const stopped =
          mode === 'force'
            ? handle?.stop({ force: true })
            : handle?.stop({ graceMs: Math.max(0, timeoutSeconds) * 1000 });
        void (stopped ?? Promise.resolve()).then(() => options.onExit?.(0));
      });
    },
  };

  const sink = new QueueingRunSink(reportQueue, logger.child('sink'));
  const factory = options.runnerFactory ?? (await import('./work/default-runner')).createTaskRunner;
  const taskRunner = factory({
    workRoot: join(options.stateDir, 'work'),
    sink,
    controls,
    logger: logger.child('runner'),
  });
  runner = taskRunner;
  taskRunner.rememberFinished(reportQueue.finishedRunIds());

  const lanClient = new LanClient({ agentKey: () => agentKey, key: () => zone.lanKey });

  let fatalSeen = false;
  const onFatal = (error: unknown): void => {
    if (fatalSeen) return;
    fatalSeen = true;
    const err = error instanceof Error ? error : new Error(String(error));
    log.error('stopping: the manager refuses this agent', { error: err.message });
    if (options.onFatal) options.onFatal(err);
    else void handle?.stop({ force: true });
  };

  const onReportReply = (reply: ReportResponse): void => {
    zone.settings = reply.settings;
    const holder = reply.lease.holderAgentKey;
    if (zone.role === 'primary' && holder !== null && holder !== agentKey) {
      roles?.demote(`a report reply names ${holder} as the lease holder (epoch ${reply.lease.epoch})`);
    } else if (
      zone.role === 'secondary' &&
      holder !== null &&
      (holder === agentKey || holder !== zone.primary?.agentKey)
    ) {
      roles?.rehandshake(`the lease is held by ${holder}, not the primary this agent follows`);
    }
  };

  intake = new RunIntake({
    runner: taskRunner,
    queue: reportQueue,
    client,
    agentKey: () => agentKey,
    isStopping: () => stopping,
    logger: logger.child('intake'),
    backoff,
    random,
    onStarted: () => reporter?.wake(),
  });
  const activeReporter = new Reporter({
    client,
    queue: reportQueue,
    runner: taskRunner,
    zone,
    logger: logger.child('report'),
    backoff,
    random,
    now,
    onReply: onReportReply,
    onFatal,
  });
  reporter = activeReporter;

  const handshakeRequest = async (): Promise<HandshakeRequest> => ({
    identity: identityOf(),
    resources: await resources.read(),
    runningRunIds: taskRunner
      .runningRuns()
      .map((run) => run.runId)
      .slice(0, 1000),
  });
  const roleManager = new RoleManager({
    agentKey,
    client,
    zone,
    lan: lanClient,
    intake,
    runner: taskRunner,
    logger: logger.child('election'),
    backoff,
    random,
    now,
    handshakeRequest,
    resources: () => resources.read(),
    onHandshake: (reply) => {
      logger.addSecret(reply.lanSecret);
      activeReporter.start();
    },
    onFatal,
  });
  roles = roleManager;

  let snapshotWrites: Promise<void> = Promise.resolve();
  const writeSnapshot = (stoppedAt: string | null): Promise<void> => {
    const snapshot = {
      pid: process.pid,
      role: zone.role,
      epoch: zone.epoch,
      primaryAgentKey: zone.primary?.agentKey ?? null,
      lanPort,
      startedAt: startedAt.toISOString(),
      updatedAt: new Date().toISOString(),
      stoppedAt,
    };
    snapshotWrites = snapshotWrites
      .then(() => writeRuntimeSnapshot(options.stateDir, snapshot))
      .catch((error: unknown) => log.warn('could not write runtime.json', { error: errorMessage(error) }));
    return snapshotWrites;
  };
  zone.onRoleChange((role) => {
    log.info('role', { role, epoch: zone.epoch, primary: zone.primary?.agentKey ?? null });
    void writeSnapshot(null);
  });

  let stopPromise: Promise<void> | null = null;
  const stop = (stopOptions: StopOptions = {}): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      startAbort.abort();
      taskRunner.stopAcceptingWork();
      log.info('stopping', { force: stopOptions.force ?? false, running: taskRunner.runningCount() });
      // Leave the election first: no new work is taken, pings stop claiming the primary role, and
      // the secondaries take the zone over once the lease lapses, while our runs finish.
      await roleManager.stop();
      zone.setRole('stopped');
      if (stopOptions.force) {
        await withTimeout(taskRunner.killAll(), 5_000);
      } else {
        const idle = await withTimeout(
          taskRunner.whenIdle(),
          stopOptions.graceMs ?? options.shutdownGraceMs ?? 30_000,
        );
        if (!idle) {
          log.warn('runs still running after the grace period; killing them', {
            running: taskRunner.runningCount(),
          });
          await withTimeout(taskRunner.killAll(), 5_000);
        }
      }
      await reportQueue.flush();
      await activeReporter.stop();
      await activeReporter.drain(stopOptions.force ? 2_000 : 5_000);
      await lanServer.close();
      await reportQueue.close();
      await writeSnapshot(new Date().toISOString());
      log.info('stopped', { queued: reportQueue.depth() });
      logger.close();
    })();
    return stopPromise;
  };

  handle = {
    agentKey,
    lanPort,
    status: () => ({
      agentKey,
      zoneId: identity.zoneId,
      managerUrl: identity.managerUrl,
      version: AGENT_VERSION,
      role: zone.role,
      epoch: zone.epoch,
      primaryAgentKey: zone.primary?.agentKey ?? null,
      members: zone.members.length,
      queueDepth: reportQueue.depth(),
      heldRuns: reportQueue.heldRuns().length,
      runningRuns: taskRunner.runningCount(),
      lanAddress,
      lanPort,
      lastReportAt: isoOrNull(activeReporter.lastReport()),
      startedAt: startedAt.toISOString(),
    }),
    stop,
  };

  log.info('agent started', {
    agentKey,
    zoneId: identity.zoneId,
    manager: identity.managerUrl,
    lanAddress,
    lanPort,
    version: AGENT_VERSION,
  });
  zone.setRole('handshaking');
  roleManager.start();
  return handle;
}

/** True when `work` settled within `ms`. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true).catch(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
