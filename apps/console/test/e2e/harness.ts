import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The console's end-to-end harness: the BUILT manager (which serves the BUILT console) as a real
 * process on loopback with its own data dir, and Debian's Chromium driven by playwright-core. The
 * agent side lives in apps/agent/test/e2e; project boundaries keep the two harnesses apart.
 */
export const ROOT = path.resolve(import.meta.dirname, '../../../..');
export const CONSOLE_INDEX = path.join(ROOT, 'apps/console/dist/index.html');
export const MANAGER_MAIN = path.join(ROOT, 'apps/manager/dist/main.js');
export const AGENT_CLI = path.join(ROOT, 'apps/agent/bin/outpost-agent.js');
export const AGENT_BUNDLE = path.join(ROOT, 'apps/agent/dist/outpost-agent.js');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'artifacts/screenshots');

/** Why the suite cannot run here, or null when everything it needs is built and installed. */
export function missingForE2e(): string | null {
  const needed: [string, string][] = [
    [CONSOLE_INDEX, 'the built console (npm run build -w @outpost/console)'],
    [MANAGER_MAIN, 'the built manager (nx run @outpost/manager:build)'],
    [AGENT_BUNDLE, 'the built agent (nx run @outpost/agent:build)'],
    [CHROMIUM, 'Chromium at /usr/bin/chromium'],
  ];
  const missing = needed.filter(([file]) => !existsSync(file)).map(([, what]) => what);
  return missing.length ? `console e2e skipped: missing ${missing.join(', ')}` : null;
}

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
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

class ChildNode {
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

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A fresh manager that is NOT activated: the console's first run does that. */
export class Manager {
  readonly node = new ChildNode();

  private constructor(
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(): Promise<Manager> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-console-e2e-'));
    const manager = new Manager(`http://127.0.0.1:${port}`, dataDir);
    manager.node.start([MANAGER_MAIN], {
      OUTPOST_PORT: String(port),
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_PUBLIC_URL: manager.url,
      OUTPOST_LOG_LEVEL: 'warn',
      OUTPOST_AGENT_POLL_WAIT_MS: '1000',
      OUTPOST_AGENT_LEASE_TTL_MS: '4000',
      OUTPOST_AGENT_PROBE_INTERVAL_MS: '500',
      OUTPOST_AGENT_PROBE_FAILURES: '2',
      OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS: '500',
    });
    await waitFor('the manager to answer', async () => {
      if (!manager.node.running) throw new Error(`manager exited:\n${manager.node.output}`);
      return (await fetch(`${manager.url}/healthz`)).ok;
    });
    return manager;
  }

  /** A call with a bearer token; the answer's JSON body (or undefined). */
  async api(
    method: string,
    urlPath: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async login(username: string, password: string): Promise<string> {
    const response = await fetch(`${this.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async close(): Promise<void> {
    await this.node.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A real agent process joining with a join token (the one the install dialog shows). */
export class Agent {
  readonly node = new ChildNode();
  readonly stateDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-console-e2e-agent-'));

  static async start(manager: Manager, zoneId: number, joinToken: string): Promise<Agent> {
    const agent = new Agent();
    const lanPort = await freePort();
    agent.node.start(
      [
        AGENT_CLI,
        'run',
        '--manager',
        manager.url,
        '--zone',
        String(zoneId),
        '--state-dir',
        agent.stateDir,
        '--lan-port',
        String(lanPort),
        '--lan-address',
        '127.0.0.1',
        '--join-token',
        joinToken,
      ],
      {},
    );
    await waitFor('the agent to join', async () => {
      if (!agent.node.running) throw new Error(`agent exited:\n${agent.node.output}`);
      return existsSync(path.join(agent.stateDir, 'identity.json'));
    });
    return agent;
  }

  async close(): Promise<void> {
    await this.node.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A full-page screenshot of what the test just looked at, for humans (artifacts/, not committed). */
export async function snapshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The header and navigation are fixed: a full-page shot is only right from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
