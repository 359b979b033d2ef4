import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { startAgent, type AgentHandle, type StartAgentOptions } from '../../src/agent';
import { FakeRunner } from './fake-runner';
import { FakeManager } from './fake-manager';
import { closeNow, listenOnLoopback } from './loopback-server';

export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface TestAgent {
  handle: AgentHandle;
  runner: FakeRunner;
  stateDir: string;
  fatal: Error[];
  exits: number[];
}

/** Starts an in-process agent against the fake manager, with a fake runner and fast retries. */
export class AgentHarness {
  private readonly agents: TestAgent[] = [];
  private readonly dirs: string[] = [];

  constructor(private readonly manager: FakeManager) {}

  async stateDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-agent-'));
    this.dirs.push(dir);
    return dir;
  }

  async start(overrides: Partial<StartAgentOptions> = {}): Promise<TestAgent> {
    const stateDir = overrides.stateDir ?? (await this.stateDir());
    const fatal: Error[] = [];
    const exits: number[] = [];
    const made: { runner?: FakeRunner } = {};
    const handle = await startAgent({
      stateDir,
      managerUrl: this.manager.url,
      zoneId: this.manager.zoneId,
      apiKey: this.manager.apiKey,
      lanPort: 0,
      lanAddress: '127.0.0.1',
      lanBindHost: '127.0.0.1',
      logLevel: process.env.OUTPOST_TEST_AGENT_LOG === '1' ? 'debug' : 'warn',
      logToStdout: process.env.OUTPOST_TEST_AGENT_LOG === '1',
      backoff: { baseMs: 20, capMs: 200 },
      shutdownGraceMs: 300,
      onFatal: (error) => fatal.push(error),
      onExit: (code) => exits.push(code),
      runnerFactory: (deps) => {
        made.runner = new FakeRunner(deps);
        return made.runner;
      },
      ...overrides,
    });
    if (!made.runner) throw new Error('runner factory not called');
    const agent: TestAgent = { handle, runner: made.runner, stateDir, fatal, exits };
    this.agents.push(agent);
    return agent;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.agents.splice(0).map((agent) => agent.handle.stop({ force: true })));
  }

  async cleanup(): Promise<void> {
    await this.stopAll();
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/**
 * Stands in for a primary agent on the LAN: answers signed-or-not pings as `agentKey` while `alive`,
 * and counts what it answered and refused.
 */
export class FakeLanPeer {
  alive = true;
  answered = 0;
  refused = 0;
  port = 0;
  private server: Server | null = null;

  constructor(readonly agentKey: string) {}

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      if (!this.alive) {
        this.refused += 1;
        res.socket?.destroy();
        return;
      }
      this.answered += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ agentKey: this.agentKey, role: 'primary', epoch: 1, runningTasks: 0 }));
    });
    this.port = await listenOnLoopback(this.server);
  }

  async close(): Promise<void> {
    await closeNow(this.server);
  }
}

/**
 * A fresh fake manager and agent harness for every test of the calling `describe`; after each
 * test the agents are stopped and no request may have broken the protocol's schemas.
 */
export function fakeWorldPerTest(): { readonly manager: FakeManager; readonly agents: AgentHarness } {
  const world = {} as { manager: FakeManager; agents: AgentHarness };
  beforeEach(async () => {
    world.manager = new FakeManager();
    await world.manager.start();
    world.agents = new AgentHarness(world.manager);
  });
  afterEach(async () => {
    await world.agents.cleanup();
    await world.manager.close();
    expect(world.manager.violations).toEqual([]);
  });
  return world;
}
