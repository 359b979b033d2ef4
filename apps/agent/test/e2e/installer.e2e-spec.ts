import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtForE2e, freePort, ManagerProcess, waitFor } from './harness';

const run = promisify(execFile);

// The real installer, piped from curl into bash as an operator would, against a temporary prefix
// (no root, no systemd), installing the real agent bundle served by the manager.
describe.runIf(builtForE2e)('curl … | bash installer', () => {
  let manager: ManagerProcess;
  let zoneId: number;
  const root = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-install-'));
  const dirs = {
    OUTPOST_AGENT_PREFIX: path.join(root, 'opt'),
    OUTPOST_AGENT_CONFIG_DIR: path.join(root, 'etc'),
    OUTPOST_AGENT_STATE_DIR: path.join(root, 'var'),
  };
  const pidFile = path.join(dirs.OUTPOST_AGENT_PREFIX, 'run', 'supervisor.pid');

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    zoneId = await manager.createZone('installed');
  });

  afterAll(async () => {
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
    } catch {
      // never started
    }
    await run('pkill', ['-f', dirs.OUTPOST_AGENT_PREFIX]).catch(() => undefined);
    await manager?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the agent from the manager, joins the zone, runs work, and is safe to run twice', async () => {
    const { installCommand } = await manager.joinToken(zoneId, { maxUses: 2 });
    expect(installCommand).toMatch(
      /^curl -fsSL '.+\/install\/agent\.sh\?token=opj_[A-Za-z0-9_-]+' \| sudo bash$/,
    );
    const env = {
      ...process.env,
      ...dirs,
      OUTPOST_AGENT_NO_SYSTEMD: '1',
      OUTPOST_AGENT_LAN_PORT: String(await freePort()),
    };
    const command = installCommand.replace('| sudo bash', '| bash');

    const first = await run('bash', ['-c', command], { env, timeout: 60_000 });
    expect(first.stdout + first.stderr).toMatch(/joining zone/);
    const agentKey = JSON.parse(
      readFileSync(path.join(dirs.OUTPOST_AGENT_STATE_DIR, 'identity.json'), 'utf8'),
    ).agentKey;
    await waitFor(
      'the installed agent to be online',
      async () => {
        const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
        return list.body.items.find(
          (agent: { agentKey: string; state: string }) =>
            agent.agentKey === agentKey && agent.state === 'online',
        );
      },
      30_000,
    );
    const task = await manager.createTask({
      zoneId,
      name: 'hello',
      steps: [{ seq: 1, commandName: 'hi', commandType: 'inline', command: 'TASK_RESULT=installed' }],
    });
    expect((await manager.waitForTask(task.id, ['complete', 'failed'])).result).toBe('installed');

    // Running the same command again upgrades in place: no second join, same identity, still online.
    const second = await run('bash', ['-c', command], { env, timeout: 60_000 });
    expect(second.stdout + second.stderr).toMatch(/already joined/);
    const agents = (await manager.api('GET', `/api/v1/zones/${zoneId}/agents`)).body.items;
    expect(agents.map((agent: { agentKey: string }) => agent.agentKey)).toEqual([agentKey]);
    const tokens = (await manager.api('GET', `/api/v1/zones/${zoneId}/join-tokens`)).body.items;
    expect(tokens[0].uses).toBe(1);
    await waitFor(
      'the reinstalled agent to be online again',
      async () => {
        const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
        return list.body.items[0]?.state === 'online';
      },
      30_000,
    );
  });
});
