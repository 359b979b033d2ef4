import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AGENT_PROTOCOL_VERSION } from '@outpost/shared';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assignmentFor, FakeManager } from './support/fake-manager';
import { waitFor } from './support/harness';

const appDir = resolve(__dirname, '..');
const { version } = JSON.parse(execFileSync('cat', [join(appDir, 'package.json')], { encoding: 'utf8' })) as {
  version: string;
};

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The single-file bundle, built once for these tests: what a host actually runs. */
describe('outpost-agent CLI (bundled)', () => {
  let buildDir: string;
  let bundle: string;
  let work: string;
  let manager: FakeManager;

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'outpost-bundle-'));
    bundle = join(buildDir, 'outpost-agent.js');
    execFileSync(process.execPath, [join(appDir, 'scripts', 'bundle.mjs'), bundle], { stdio: 'pipe' });
  });
  afterAll(async () => {
    await rm(buildDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'outpost-cli-'));
    manager = new FakeManager();
    await manager.start();
  });
  afterEach(async () => {
    await manager.close();
    await rm(work, { recursive: true, force: true });
  });

  function cli(
    args: string[],
    env: Record<string, string> = {},
  ): { done: Promise<Result>; kill: (signal: NodeJS.Signals) => void; output: () => string } {
    const child = spawn(process.execPath, [bundle, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Result>((resolvePromise) =>
      child.on('close', (code) => resolvePromise({ code, stdout, stderr })),
    );
    return { done, kill: (signal) => child.kill(signal), output: () => stdout + stderr };
  }

  const agentEnv = (stateDir: string): Record<string, string> => ({
    OUTPOST_AGENT_MANAGER: manager.url,
    OUTPOST_AGENT_ZONE: String(manager.zoneId),
    OUTPOST_AGENT_API_KEY: manager.apiKey,
    OUTPOST_AGENT_STATE_DIR: stateDir,
    OUTPOST_AGENT_LAN_PORT: '0',
    OUTPOST_AGENT_LAN_ADDRESS: '127.0.0.1',
  });

  it('prints the agent and protocol versions', async () => {
    const result = await cli(['version']).done;
    expect(result).toMatchObject({
      code: 0,
      stdout: `outpost-agent ${version} (agent protocol ${AGENT_PROTOCOL_VERSION})\n`,
    });
  });

  it('prints help with --help', async () => {
    const result = await cli(['--help']).done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/--join-token <token> +OUTPOST_AGENT_JOIN_TOKEN/);
  });

  it('exits 2 naming the flag and the variable when a join setting is missing, creating nothing', async () => {
    const stateDir = join(work, 'state');
    const result = await cli(['run', '--state-dir', stateDir, '--zone', '1']).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--manager \(OUTPOST_AGENT_MANAGER\) is required to join/);
    await expect(stat(stateDir)).rejects.toThrow(/ENOENT/);
  });

  it('exits 2 on a malformed value', async () => {
    const result = await cli(['run', '--lan-port', 'eighty']).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--lan-port \(OUTPOST_AGENT_LAN_PORT\)/);
  });

  it('exits 2 when the manager refuses the API key, without printing it', async () => {
    const stateDir = join(work, 'state');
    const result = await cli(['join'], {
      ...agentEnv(stateDir),
      OUTPOST_AGENT_API_KEY: 'not-the-right-key-42',
    }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused to join zone 1/);
    expect(result.stderr + result.stdout).not.toContain('not-the-right-key-42');
  });

  it('joins once, writes a private identity, and shows it in status without the credential', async () => {
    const stateDir = join(work, 'state');
    const joined = await cli(['join'], agentEnv(stateDir)).done;
    expect(joined.code).toBe(0);
    expect(joined.stdout).toMatch(/joined zone 1 as agent agent-1/);
    const identity = JSON.parse(await readFile(join(stateDir, 'identity.json'), 'utf8')) as {
      credential: string;
    };
    expect((await stat(join(stateDir, 'identity.json'))).mode & 0o777).toBe(0o600);

    const again = await cli(['join', '--state-dir', stateDir]).done;
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/already joined zone 1 as agent agent-1/);
    expect(manager.callsOf('agentJoin')).toHaveLength(1);

    const status = await cli(['status', '--state-dir', stateDir]).done;
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/agent: +agent-1/);
    expect(status.stdout).toMatch(/report queue: +0 unsent/);
    expect(status.stdout).not.toContain(identity.credential);
    const log = await readFile(join(stateDir, 'agent.log'), 'utf8');
    expect(log).not.toContain(identity.credential);
    expect(log).not.toContain(manager.apiKey);
  });

  it('runs a real task end to end, then stops on SIGTERM with exit 0', async () => {
    const stateDir = join(work, 'state');
    const agent = cli(['run', '--log-level', 'debug'], agentEnv(stateDir));
    await waitFor(() => (manager.arrivals.get('agentPoll') ?? 0) >= 1, 'the agent polls', 20_000);
    manager.assign(
      assignmentFor('agent-1', 81, {
        task: {
          ...assignmentFor('agent-1', 81).task,
          steps: [
            {
              seq: 1,
              commandName: 's',
              commandType: 'inline',
              command: 'echo "hello from $HOSTNAME_CHECK"',
              isRecover: false,
            },
          ],
        },
      }),
    );
    await waitFor(
      () => manager.accepted.some((i) => i.runId === 81 && i.kind === 'status' && i.status === 'complete'),
      'the run completes',
      20_000,
    );
    expect(
      manager.accepted.some((i) => i.runId === 81 && i.kind === 'log' && i.content.includes('hello from')),
    ).toBe(true);

    const status = await cli(['status', '--state-dir', stateDir]).done;
    expect(status.stdout).toMatch(/daemon: +running/);
    expect(status.stdout).toMatch(/role: +primary\n/);

    agent.kill('SIGTERM');
    const result = await agent.done;
    expect(result.code).toBe(0);
    const runtime = JSON.parse(await readFile(join(stateDir, 'runtime.json'), 'utf8')) as {
      stoppedAt: string | null;
    };
    expect(runtime.stoppedAt).not.toBeNull();
    const log = await readFile(join(stateDir, 'agent.log'), 'utf8');
    expect(log).not.toContain(manager.apiKey);
    expect(log).not.toContain('secret-value-1234');
  });

  it('exits 2 naming the flag when the LAN port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '0.0.0.0', done));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await cli(['run', '--lan-port', String(port)], agentEnv(join(work, 'state'))).done;
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--lan-port \(OUTPOST_AGENT_LAN_PORT\): cannot listen on port/);
    } finally {
      blocker.close();
    }
  });

  it('exits 3 with the manager message on a protocol version mismatch', async () => {
    manager.protocolVersion = '99';
    const stateDir = join(work, 'state');
    const result = await cli(['run'], agentEnv(stateDir)).done;
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/the manager refuses this agent: .*agent protocol 99/);
  });
});
