import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, builtForE2e, freePort, ManagerProcess, ManagerProxy, waitFor } from './harness';

const run = promisify(execFile);

// The real manager and the real agent CLI: the join's first answer is lost on the way back, the
// agent retries, and the zone still ends up with ONE agent and its one-use token spent once.
describe.runIf(builtForE2e)('a join whose answer is lost', () => {
  let manager: ManagerProcess;
  let proxy: ManagerProxy;
  /** The joins the proxy saw: the first one's answer is lost on the way back to the agent. */
  const joins: { dropped: boolean; joinId: string | undefined }[] = [];
  let daemon: ChildProcess | null = null;
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-join-retry-'));
  const env = { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), OUTPOST_AGENT_STATE_DIR: stateDir };

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    proxy = new ManagerProxy(manager.url, ({ method, path, body }) => {
      if (method !== 'POST' || path !== '/agent/v1/join') return 'pass';
      const dropped = joins.length === 0;
      joins.push({ dropped, joinId: (JSON.parse(body.toString('utf8')) as { joinId?: string }).joinId });
      return dropped ? 'lose-answer' : 'pass';
    });
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
    expect(joins.map((join) => join.dropped)).toEqual([true, false]);
    expect(joins[0]!.joinId).toBeTruthy();
    expect(joins[1]!.joinId).toBe(joins[0]!.joinId);
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
