import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, builtForE2e, freePort, ManagerProcess, waitFor } from './harness';

const run = promisify(execFile);

/**
 * A loopback proxy in front of the real manager that loses the answer to the first join: it
 * forwards the attempt, waits for the manager's whole answer (so the join WAS done), then closes
 * the agent's connection without passing the answer on. Everything else passes through.
 */
class AnswerDroppingProxy {
  readonly joins: { status: number; dropped: boolean; joinId: string | undefined }[] = [];
  url = '';
  private server: Server | null = null;

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const upstream = request(
          `${this.target}${req.url ?? '/'}`,
          { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } },
          (answer) => {
            const answerChunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => answerChunks.push(chunk));
            answer.on('end', () => {
              const isJoin = req.method === 'POST' && req.url === '/agent/v1/join';
              const drop = isJoin && this.joins.length === 0;
              if (isJoin) {
                const sent = JSON.parse(body.toString('utf8')) as { joinId?: string };
                this.joins.push({ status: answer.statusCode ?? 0, dropped: drop, joinId: sent.joinId });
              }
              if (drop) {
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
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}

// The real manager and the real agent CLI: the join's first answer is lost on the way back, the
// agent retries, and the zone still ends up with ONE agent and its one-use token spent once.
describe.runIf(builtForE2e)('a join whose answer is lost', () => {
  let manager: ManagerProcess;
  let proxy: AnswerDroppingProxy;
  let daemon: ChildProcess | null = null;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-join-retry-'));
  const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), OUTPOST_AGENT_STATE_DIR: stateDir };

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    proxy = new AnswerDroppingProxy(manager.url);
    await proxy.start();
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon?.once('exit', resolve));
      daemon.kill('SIGKILL');
      await exited;
    }
    await proxy?.close();
    await manager?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('is retried with the same join id: one agent, the one-use token spent once, a working credential', async () => {
    const zoneId = await manager.createZone('join-retry');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 1 });

    const joined = await run(
      process.execPath,
      [AGENT_CLI, 'join', '--manager', proxy.url, '--zone', String(zoneId), '--join-token', secret],
      { env, timeout: 60_000 },
    );

    expect(joined.stdout).toMatch(/joined zone \d+ as agent agt_/);
    // The manager did the first join; its answer never reached the agent, which tried again.
    expect(proxy.joins).toHaveLength(2);
    expect(proxy.joins[0]).toMatchObject({ status: 201, dropped: true });
    expect(proxy.joins[1]).toMatchObject({ status: 201, dropped: false });
    expect(proxy.joins[0]!.joinId).toBeTruthy();
    expect(proxy.joins[1]!.joinId).toBe(proxy.joins[0]!.joinId);
    const identity = JSON.parse(readFileSync(path.join(stateDir, 'identity.json'), 'utf8'));
    expect(existsSync(path.join(stateDir, 'join.json'))).toBe(false);

    const agents = (await manager.api('GET', `/api/v1/zones/${zoneId}/agents`)).body.items as {
      agentKey: string;
    }[];
    expect(agents.map((agent) => agent.agentKey)).toEqual([identity.agentKey]);
    const tokens = (await manager.api('GET', `/api/v1/zones/${zoneId}/join-tokens`)).body.items as {
      uses: number;
    }[];
    expect(tokens.map((token) => token.uses)).toEqual([1]);

    // The credential the agent kept (the retry's; the lost one was replaced) works: the agent runs
    // and comes online, talking to the manager directly.
    daemon = spawn(
      process.execPath,
      [AGENT_CLI, 'run', '--manager', manager.url, '--lan-port', String(await freePort())],
      { env: { ...env, OUTPOST_AGENT_LAN_ADDRESS: '127.0.0.1' } },
    );
    let output = '';
    daemon.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(`agent ${identity.agentKey} to be online`, async () => {
      if (daemon?.exitCode !== null) throw new Error(`the agent exited:\n${output}`);
      const listed = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
      return listed.body.items.some(
        (agent: { agentKey: string; state: string }) =>
          agent.agentKey === identity.agentKey && agent.state === 'online',
      );
    });
  });
});
