import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = path.resolve(__dirname, '../../dist/main.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`manager exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('manager did not become healthy');
}

// The built manager as `npm start` runs it: needs `npm run build` (scripts/test.sh builds first).
describe.runIf(existsSync(MAIN))('the manager process on the embedded defaults', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-process-'));
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        OUTPOST_PORT: String(port),
        OUTPOST_DATA_DIR: dataDir,
        OUTPOST_LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    await waitForHealth(url, child);
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on SQLite in the data dir with generated secrets', () => {
    expect(existsSync(path.join(dataDir, 'outpost.sqlite'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'secrets', 'jwt-secret'))).toBe(true);
  });

  it('serves the console, Swagger and readiness, and asks for activation first', async () => {
    expect(await (await fetch(`${url}/`)).text()).toContain('<div id="root">');
    expect((await fetch(`${url}/swagger`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', database: 'up' });
    expect(await (await fetch(`${url}/api/v1/auth/status`)).json()).toEqual({ activated: false });
  });
});

describe.runIf(existsSync(MAIN))('the manager process with a wrong setting', () => {
  it('stops with exit code 1 and a message naming the variable', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-badcfg-'));
    const { code, output } = await runToExit({ OUTPOST_DATA_DIR: dataDir, OUTPOST_PORT: 'eighty' });
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(output).toContain('OUTPOST_PORT');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
