import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { JoinTokenEntity } from '../../src/zones/join-token.entity';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { createZone, issueJoinToken, sleep } from './agent-test-helpers';

const exec = promisify(execFile);

/** Runs bash asynchronously: the manager answering the script's curl lives in this same process. */
async function bash(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', ['-c', script], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

const tempDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

describe.each(testDatabaseKinds())('installer routes on %s', (kind) => {
  let t: TestApp;
  let operator: string;
  let zone: number;
  const bundleDir = tempDir('outpost-bundle-');
  const bundleFile = path.join(bundleDir, 'outpost-agent.js');

  beforeAll(async () => {
    t = await startTestApp(kind, {
      OUTPOST_PUBLIC_URL: 'https://outpost.example.com',
      OUTPOST_AGENT_BUNDLE_FILE: bundleFile,
    });
    operator = await t.tokenFor('operator');
    zone = await createZone(t, operator, 'install-zone');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  it('serves a valid bash script with the values shell-quoted, without using up the token', async () => {
    const token = await issueJoinToken(t, operator, zone);
    const answer = await t.call('GET', `/install/agent.sh?token=${token.secret}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/x-shellscript/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const script = String(answer.body);
    expect(script).toContain("MANAGER_URL='https://outpost.example.com'\n");
    expect(script).toContain(`ZONE_ID='${zone}'\n`);
    expect(script).toContain(`JOIN_TOKEN='${token.secret}'\n`);
    const file = path.join(tempDir('outpost-script-'), 'agent.sh');
    writeFileSync(file, script);
    expect((await bash(`bash -n '${file}'`)).code).toBe(0);
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(0);
  });

  it('answers an unknown, revoked, expired or used-up token with 401 and a plain-text reason', async () => {
    const revoked = await issueJoinToken(t, operator, zone);
    await t.call('DELETE', `/api/v1/zones/${zone}/join-tokens/${revoked.id}`, { token: operator });
    const expired = await issueJoinToken(t, operator, zone);
    await t.dataSource.manager.update(
      JoinTokenEntity,
      { id: expired.id },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const usedUp = await issueJoinToken(t, operator, zone);
    await t.dataSource.manager.update(JoinTokenEntity, { id: usedUp.id }, { uses: 1 });
    for (const secret of ['opj_unknown', revoked.secret, expired.secret, usedUp.secret]) {
      const answer = await t.call('GET', `/install/agent.sh?token=${encodeURIComponent(secret)}`);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(String(answer.body)).toMatch(/join token is unknown, expired, revoked or used up/);
      expect(String(answer.body)).not.toContain(secret);
    }
  });

  it('answers a missing token with 400', async () => {
    const answer = await t.call('GET', '/install/agent.sh');
    expect(answer.status).toBe(400);
    expect(answer.body.details[0].path).toBe('query.token');
  });

  it('serves the agent program once built, and 503 with a clear message before', async () => {
    rmSync(bundleFile, { force: true });
    const missing = await t.call('GET', '/install/outpost-agent.js');
    expect(missing.status).toBe(503);
    expect(missing.body.code).toBe('SERVICE_UNAVAILABLE');
    expect(missing.body.message).toMatch(/not built.*npm run build/);
    writeFileSync(bundleFile, 'console.log("agent");\n');
    const served = await t.call('GET', '/install/outpost-agent.js');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(served.body).toBe('console.log("agent");\n');
  });
});

/**
 * A stand-in for the agent program (the real one is built from apps/agent): `join` joins for real
 * through the manager with the join token from agent.env and keeps the identity in the state dir;
 * `run` records that it runs, and whether it still sees the join token, until it is stopped.
 */
const FAKE_AGENT = `
const fs = require('node:fs');
const path = require('node:path');
const stateDir = process.env.OUTPOST_AGENT_STATE_DIR;
const log = (line) => fs.appendFileSync(path.join(stateDir, 'fake-agent.log'), line + '\\n');
const command = process.argv[2];
if (command === 'join') {
  log('join');
  fetch(process.env.OUTPOST_AGENT_MANAGER + '/agent/v1/join', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-outpost-protocol': '1' },
    body: JSON.stringify({
      zoneId: Number(process.env.OUTPOST_AGENT_ZONE),
      joinToken: process.env.OUTPOST_AGENT_JOIN_TOKEN,
      identity: { hostname: 'installed-host', ips: ['127.0.0.1'], lanPort: Number(process.env.OUTPOST_AGENT_LAN_PORT), version: '0.0.0-fake', platform: 'linux', labels: {} },
    }),
  }).then(async (response) => {
    const body = await response.json();
    if (response.status !== 201) { console.error('join refused: ' + body.message); process.exit(1); }
    fs.writeFileSync(path.join(stateDir, 'identity.json'), JSON.stringify({ agentKey: body.agentKey }), { mode: 0o600 });
  });
} else if (command === 'run') {
  log('run ' + process.pid + ' token=' + (process.env.OUTPOST_AGENT_JOIN_TOKEN ? 'present' : 'absent'));
  process.on('SIGTERM', () => { log('stop ' + process.pid); process.exit(0); });
  setInterval(() => undefined, 1000);
} else {
  console.error('unknown command ' + command);
  process.exit(2);
}
`;

// One database kind is enough: this runs the installer itself, against a temp prefix, as a user would.
describe('running the install script (sqlite)', () => {
  let t: TestApp;
  let operator: string;
  let zone: number;
  const root = tempDir('outpost-install-');
  const dirs = {
    OUTPOST_AGENT_PREFIX: path.join(root, 'opt'),
    OUTPOST_AGENT_CONFIG_DIR: path.join(root, 'etc'),
    OUTPOST_AGENT_STATE_DIR: path.join(root, 'var'),
  };
  const installEnv = { ...dirs, OUTPOST_AGENT_NO_SYSTEMD: '1', OUTPOST_AGENT_LAN_PORT: '19999' };
  const bundleFile = path.join(root, 'bundle', 'outpost-agent.js');
  const pidFile = path.join(dirs.OUTPOST_AGENT_PREFIX, 'run', 'supervisor.pid');
  const agentLog = () =>
    readFileSync(path.join(dirs.OUTPOST_AGENT_STATE_DIR, 'fake-agent.log'), 'utf8').trim().split('\n');
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  async function waitFor(check: () => boolean, what: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (check()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    mkdirSync(path.dirname(bundleFile), { recursive: true });
    writeFileSync(bundleFile, FAKE_AGENT);
    t = await startTestApp('sqlite', { OUTPOST_AGENT_BUNDLE_FILE: bundleFile });
    // The script downloads from the public URL: point it at this test's port (the config object is
    // the one the manager reads).
    t.config.publicUrl = t.baseUrl;
    operator = await t.tokenFor('operator');
    zone = await createZone(t, operator, 'installed-zone');
  });
  afterAll(async () => {
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (isAlive(pid)) process.kill(pid, 'SIGTERM');
    }
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs, joins the zone once and starts the agent under the restart loop', async () => {
    const token = await issueJoinToken(t, operator, zone, { maxUses: 2 });
    const run = await bash(`${token.installCommand.replace(' | sudo bash', ' | bash')}`, installEnv);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/joining zone/);
    expect(run.stdout).toMatch(/To uninstall:/);

    expect(readFileSync(path.join(dirs.OUTPOST_AGENT_PREFIX, 'lib', 'outpost-agent.js'), 'utf8')).toBe(
      FAKE_AGENT,
    );
    expect(statSync(path.join(dirs.OUTPOST_AGENT_PREFIX, 'bin', 'outpost-agent')).mode & 0o111).not.toBe(0);
    const envFile = path.join(dirs.OUTPOST_AGENT_CONFIG_DIR, 'agent.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readFileSync(envFile, 'utf8');
    expect(env).toContain(`OUTPOST_AGENT_MANAGER='${t.baseUrl}'`);
    expect(env).toContain(`OUTPOST_AGENT_ZONE='${zone}'`);
    expect(env).toContain(`OUTPOST_AGENT_STATE_DIR='${dirs.OUTPOST_AGENT_STATE_DIR}'`);
    expect(env).toContain(`OUTPOST_AGENT_LAN_PORT='19999'`);
    // The token is dropped once the agent joined: no secret is kept that is not needed.
    expect(env).not.toContain(token.secret);

    const agent = await t.dataSource.manager.findOneByOrFail(AgentEntity, { hostname: 'installed-host' });
    expect(agent).toMatchObject({ zoneId: zone, lanPort: 19999 });
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(1);
    const identity = JSON.parse(
      readFileSync(path.join(dirs.OUTPOST_AGENT_STATE_DIR, 'identity.json'), 'utf8'),
    );
    expect(identity.agentKey).toBe(agent.agentKey);

    const supervisor = Number(readFileSync(pidFile, 'utf8'));
    expect(isAlive(supervisor)).toBe(true);
    await waitFor(() => agentLog().some((line) => line.startsWith('run ')), 'the agent to run');
    expect(agentLog().find((line) => line.startsWith('run '))).toMatch(/token=absent$/);
  });

  it('is safe to run again: no second join, the program replaced and the agent restarted', async () => {
    const firstSupervisor = Number(readFileSync(pidFile, 'utf8'));
    const token = await issueJoinToken(t, operator, zone);
    const run = await bash(
      `curl -fsSL '${t.baseUrl}/install/agent.sh?token=${token.secret}' | bash`,
      installEnv,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/already joined/);
    expect(agentLog().filter((line) => line === 'join')).toHaveLength(1);
    expect((await t.dataSource.manager.findOneByOrFail(JoinTokenEntity, { id: token.id })).uses).toBe(0);
    expect(await t.dataSource.manager.countBy(AgentEntity, { hostname: 'installed-host' })).toBe(1);
    expect(isAlive(firstSupervisor)).toBe(false);
    const secondSupervisor = Number(readFileSync(pidFile, 'utf8'));
    expect(secondSupervisor).not.toBe(firstSupervisor);
    await waitFor(
      () => agentLog().filter((line) => line.startsWith('run ')).length === 2,
      'the agent to restart',
    );
    expect(agentLog().some((line) => line.startsWith('stop '))).toBe(true);
  });

  it('fails visibly for a used-up token: curl -f stops, and piping without -f prints the reason', async () => {
    const token = await issueJoinToken(t, operator, zone);
    await t.dataSource.manager.update(JoinTokenEntity, { id: token.id }, { uses: 1 });
    const url = `${t.baseUrl}/install/agent.sh?token=${token.secret}`;
    const withF = await bash(`curl -fsS '${url}'`);
    expect(withF.code).toBe(22);
    expect(withF.stderr).toMatch(/401/);
    const withoutF = await bash(`set -o pipefail; curl -sS '${url}' | bash`);
    expect(withoutF.code).toBe(1);
    expect(withoutF.stderr).toMatch(/join token is unknown, expired, revoked or used up/);
  });

  it('refuses to run without root unless a prefix is given, and without Node.js 20', async () => {
    const token = await issueJoinToken(t, operator, zone);
    const script = path.join(root, 'agent.sh');
    writeFileSync(script, String((await t.call('GET', `/install/agent.sh?token=${token.secret}`)).body));
    const fakeBin = path.join(root, 'fake-bin');
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(path.join(fakeBin, 'id'), '#!/bin/sh\necho 1000\n');
    writeFileSync(path.join(fakeBin, 'node'), '#!/bin/sh\necho 18\n');
    chmodSync(path.join(fakeBin, 'id'), 0o755);
    chmodSync(path.join(fakeBin, 'node'), 0o755);
    const asUser = await bash(`PATH='${fakeBin}':"$PATH" bash '${script}'`);
    expect(asUser.code).toBe(1);
    expect(asUser.stderr).toMatch(/run this as root/);
    const oldNode = await bash(`PATH='${fakeBin}':"$PATH" bash '${script}'`, {
      ...dirs,
      OUTPOST_AGENT_PREFIX: path.join(root, 'other'),
    });
    expect(oldNode.code).toBe(1);
    expect(oldNode.stderr).toMatch(/Node.js 20 or later is required/);
    expect(existsSync(path.join(root, 'other'))).toBe(false);
  });
});
