import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeNow, listenOnLoopback } from '../support/loopback-server';

/**
 * End-to-end harness: the BUILT manager (`apps/manager/dist/main.js`) and the BUILT agent CLI
 * (`apps/agent/bin/outpost-agent.js`) as real processes on loopback, each agent with its own state
 * dir and LAN port. `npm test` builds first; without a build these suites are skipped (they say so).
 */
const ROOT = path.resolve(__dirname, '../../../..');
export const MANAGER_MAIN = path.join(ROOT, 'apps/manager/dist/main.js');
export const AGENT_CLI = path.join(ROOT, 'apps/agent/bin/outpost-agent.js');
export const AGENT_BUNDLE = path.join(ROOT, 'apps/agent/dist/outpost-agent.js');
export const builtForE2e = existsSync(MANAGER_MAIN) && existsSync(AGENT_BUNDLE);

/** Short timings so failover and delivery happen in seconds, as in the defaults' proportions. */
export const FAST_AGENT_SETTINGS: Record<string, string> = {
  OUTPOST_AGENT_POLL_WAIT_MS: '1000',
  OUTPOST_AGENT_LEASE_TTL_MS: '4000',
  OUTPOST_AGENT_PROBE_INTERVAL_MS: '500',
  OUTPOST_AGENT_PROBE_FAILURES: '2',
  OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS: '500',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

class LoggedProcess {
  child: ChildProcess | null = null;
  output = '';

  start(args: string[], env: Record<string, string>): void {
    this.child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 35_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export interface ApiResult<T = any> {
  status: number;
  body: T;
}

export class ManagerProcess {
  readonly process = new LoggedProcess();
  token = '';

  private constructor(
    readonly url: string,
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** `defaultTimings` runs the manager with the shipped agent settings (used to prove the failover budget). */
  static async start(
    env: Record<string, string> = {},
    options: { defaultTimings?: boolean } = {},
  ): Promise<ManagerProcess> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-manager-'));
    const manager = new ManagerProcess(`http://127.0.0.1:${port}`, port, dataDir, {
      OUTPOST_PORT: String(port),
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_PUBLIC_URL: `http://127.0.0.1:${port}`,
      OUTPOST_LOG_LEVEL: 'warn',
      ...(options.defaultTimings ? {} : FAST_AGENT_SETTINGS),
      ...env,
    });
    await manager.boot();
    const activated = await manager.api('POST', '/api/v1/auth/activate', {
      username: 'admin',
      password: 'correct horse battery',
    });
    if (activated.status !== 201) throw new Error(`activation failed: ${JSON.stringify(activated.body)}`);
    manager.token = activated.body.accessToken;
    return manager;
  }

  async boot(): Promise<void> {
    this.process.start([MANAGER_MAIN], this.env);
    await waitFor('the manager to answer /healthz', async () => {
      if (!this.process.running) throw new Error(`manager exited:\n${this.process.output}`);
      return (await fetch(`${this.url}/healthz`)).ok;
    });
  }

  async restart(downForMs = 0): Promise<void> {
    await this.process.stop();
    await sleep(downForMs);
    await this.boot();
  }

  async api<T = any>(method: string, urlPath: string, body?: unknown): Promise<ApiResult<T>> {
    const response = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  }

  async createZone(name: string): Promise<number> {
    const created = await this.api('POST', '/api/v1/zones', { name });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    return created.body.id;
  }

  async joinToken(
    zoneId: number,
    options: { maxUses?: number; labels?: Record<string, string> } = {},
  ): Promise<{ secret: string; installCommand: string }> {
    const created = await this.api('POST', `/api/v1/zones/${zoneId}/join-tokens`, {
      maxUses: options.maxUses ?? 10,
      labels: options.labels,
    });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    return created.body;
  }

  async createTask(task: Record<string, unknown>): Promise<any> {
    const created = await this.api('POST', '/api/v1/tasks', task);
    if (created.status !== 201) throw new Error(`task refused: ${JSON.stringify(created.body)}`);
    return created.body;
  }

  task(taskId: number): Promise<any> {
    return this.api('GET', `/api/v1/tasks/${taskId}`).then((result) => result.body);
  }

  async waitForTask(taskId: number, statuses: string[], timeoutMs = 30_000): Promise<any> {
    return waitFor(
      `task ${taskId} to reach ${statuses.join('/')}`,
      async () => {
        const task = await this.task(taskId);
        return statuses.includes(task.status) ? task : undefined;
      },
      timeoutMs,
      150,
    );
  }

  async primaryOf(zoneId: number): Promise<string | null> {
    const primary = await this.api('GET', `/api/v1/zones/${zoneId}/primary`);
    return primary.body.agent?.agentKey ?? null;
  }

  async logText(taskId: number, runId?: number): Promise<string> {
    const query = runId ? `?runId=${runId}&limit=1000` : '?limit=1000';
    const logs = await this.api('GET', `/api/v1/tasks/${taskId}/logs${query}`);
    return (logs.body.chunks as { content: string }[]).map((chunk) => chunk.content).join('');
  }

  async close(): Promise<void> {
    await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** What a ManagerProxy does with one call: pass it on, answer it itself, or lose the manager's answer. */
export type ProxyVerdict = 'pass' | 'lose-answer' | { status: number; body: unknown };

/**
 * A loopback proxy in front of the real manager that can lose or replace chosen calls, to put an
 * agent in the network trouble a test needs. `decide` sees each call (method, path, body) before
 * it is forwarded; `lose-answer` forwards it, waits for the manager's whole answer (so the call WAS
 * done) and then closes the agent's connection without passing the answer on.
 */
export class ManagerProxy {
  url = '';
  private server: Server | null = null;

  constructor(
    private readonly target: string,
    private readonly decide: (call: { method: string; path: string; body: Buffer }) => ProxyVerdict,
  ) {}

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const verdict = this.decide({ method: req.method ?? 'GET', path: req.url ?? '/', body });
        if (typeof verdict === 'object') {
          res.writeHead(verdict.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(verdict.body));
          return;
        }
        const upstream = httpRequest(
          `${this.target}${req.url ?? '/'}`,
          { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } },
          (answer) => {
            const answerChunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
            answer.on('end', () => {
              if (verdict === 'lose-answer') {
                req.socket.destroy();
                return;
              }
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(answerChunks));
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }
}

export interface AgentOptions {
  manager: ManagerProcess;
  /** Where the agent reaches the manager, when not directly (a ManagerProxy's url). */
  managerUrl?: string;
  zoneId: number;
  joinToken?: string;
  apiKey?: string;
  labels?: string;
}

/** Waits until the zone's primary has probed `members` secondaries on the LAN (only then can it hand them work). */
export async function waitForPrimaryToReach(
  manager: ManagerProcess,
  zoneId: number,
  agents: AgentProcess[],
  members: number,
): Promise<AgentProcess> {
  return waitFor(`the primary to reach ${members} members`, async () => {
    const key = await manager.primaryOf(zoneId);
    const primary = agents.find((agent) => agent.agentKey === key);
    return primary && primary.reachedMembers() >= members ? primary : undefined;
  });
}

export class AgentProcess {
  readonly process = new LoggedProcess();
  readonly stateDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-agent-'));

  private constructor(
    readonly name: string,
    readonly lanPort: number,
    private readonly options: AgentOptions,
  ) {}

  static async start(name: string, options: AgentOptions): Promise<AgentProcess> {
    const agent = new AgentProcess(name, await freePort(), options);
    agent.launch();
    await agent.waitForIdentity();
    return agent;
  }

  launch(): void {
    const { manager, zoneId, joinToken, apiKey, labels } = this.options;
    const args = [
      AGENT_CLI,
      'run',
      '--manager',
      this.options.managerUrl ?? manager.url,
      '--zone',
      String(zoneId),
      '--state-dir',
      this.stateDir,
    ];
    args.push('--lan-port', String(this.lanPort), '--lan-address', '127.0.0.1', '--log-level', 'debug');
    if (joinToken) args.push('--join-token', joinToken);
    if (apiKey) args.push('--api-key', apiKey);
    if (labels) args.push('--labels', labels);
    this.process.start(args, {});
  }

  get agentKey(): string {
    return JSON.parse(readFileSync(path.join(this.stateDir, 'identity.json'), 'utf8')).agentKey;
  }

  async waitForIdentity(): Promise<string> {
    return waitFor(`agent ${this.name} to join`, async () => {
      if (!this.process.running) throw new Error(`agent ${this.name} exited:\n${this.process.output}`);
      return existsSync(path.join(this.stateDir, 'identity.json')) ? this.agentKey : undefined;
    });
  }

  async restart(): Promise<void> {
    await this.process.stop();
    this.launch();
  }

  /** How many zone members this agent (as primary) has reached on the LAN, from its log. */
  reachedMembers(): number {
    return new Set(
      [...this.process.output.matchAll(/member reachable \{"agentKey":"([^"]+)"/g)].map((m) => m[1]),
    ).size;
  }

  kill9(): Promise<void> {
    return this.process.stop('SIGKILL');
  }

  async close(): Promise<void> {
    await this.process.stop('SIGKILL');
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
