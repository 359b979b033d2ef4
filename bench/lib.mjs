/* global setTimeout, process, clearTimeout, fetch, console */
// Shared helpers for the benchmark scenarios: stats, child processes (built manager/agent), results.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MANAGER_MAIN = path.join(ROOT, 'apps/manager/dist/main.js');
export const AGENT_CLI = path.join(ROOT, 'apps/agent/bin/outpost-agent.js');
export const RESULTS_DIR = path.join(ROOT, 'bench/results');

// ---- stats ----
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1; // nearest-rank
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
export const median = (values) => percentile(values, 50);
export const round = (value, digits = 2) => Number(value.toFixed(digits));

// ---- misc ----
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export async function waitFor(what, probe, timeoutMs = 20_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}

/** Resident set size of a process in KiB, from /proc (Linux). */
export function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

// ---- cleanup registry: every process and temp dir we make, removed even on failure ----
const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
}
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A node child process; stopped (SIGTERM, then SIGKILL) by stop() or by cleanupAll(). */
export class NodeProcess {
  output = '';
  constructor(args, env = {}) {
    this.child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    onCleanup(() => this.stop());
  }
  get pid() {
    return this.child.pid;
  }
  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}

export function assertBuilt() {
  for (const file of [MANAGER_MAIN, AGENT_CLI]) {
    if (!existsSync(file))
      throw new Error(`${path.relative(ROOT, file)} is missing: build first (scripts/bench.sh does)`);
  }
}

// ---- the built manager ----
let managerNodeArgs = [];
/** Node flags for every manager started from now on (run.mjs `--profile`). */
export function setManagerNodeArgs(args) {
  managerNodeArgs = args;
}

export class Manager {
  token = '';
  /** `nodeArgs` go before the script, e.g. `--cpu-prof` (run.mjs `--profile` passes it). */
  static async start(env = {}, { nodeArgs = managerNodeArgs } = {}) {
    const manager = new Manager();
    manager.port = await freePort();
    manager.url = `http://127.0.0.1:${manager.port}`;
    const dataDir = tempDir('outpost-bench-manager-');
    manager.process = new NodeProcess([...nodeArgs, MANAGER_MAIN], {
      OUTPOST_PORT: String(manager.port),
      OUTPOST_HOST: '127.0.0.1',
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_PUBLIC_URL: manager.url,
      OUTPOST_LOG_LEVEL: 'warn',
      ...env,
    });
    await waitFor('the manager to answer /healthz', async () => {
      if (!manager.process.running) throw new Error(`manager exited:\n${manager.process.output}`);
      return (await fetch(`${manager.url}/healthz`)).ok;
    });
    const activated = await manager.api('POST', '/api/v1/auth/activate', {
      username: 'admin',
      password: 'correct horse battery',
    });
    if (activated.status !== 201) throw new Error(`activation failed: ${JSON.stringify(activated.body)}`);
    manager.token = activated.body.accessToken;
    return manager;
  }

  async api(method, urlPath, body, headers = {}) {
    const response = await fetch(`${this.url}${urlPath}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : text;
    } catch {
      /* not JSON */
    }
    return { status: response.status, body: parsed };
  }

  async ok(method, urlPath, body, expected = [200, 201]) {
    const result = await this.api(method, urlPath, body);
    if (!expected.includes(result.status)) {
      throw new Error(`${method} ${urlPath} -> ${result.status}: ${JSON.stringify(result.body)}`);
    }
    return result.body;
  }

  async createZone(name) {
    return (await this.ok('POST', '/api/v1/zones', { name })).id;
  }

  async joinToken(zoneId, maxUses = 10) {
    return (await this.ok('POST', `/api/v1/zones/${zoneId}/join-tokens`, { maxUses })).secret;
  }
}

/** A real agent process (the built CLI), joined with a join token; resolves once it wrote its identity. */
export async function startAgent(manager, zoneId, joinToken, env = {}) {
  const stateDir = tempDir('outpost-bench-agent-');
  const agent = new NodeProcess(
    [
      AGENT_CLI,
      'run',
      '--manager',
      manager.url,
      '--zone',
      String(zoneId),
      '--join-token',
      joinToken,
      '--state-dir',
      stateDir,
      '--lan-port',
      '0',
      '--lan-address',
      '127.0.0.1',
    ],
    env,
  );
  await waitFor('the agent to join', async () => {
    if (!agent.running) throw new Error(`agent exited:\n${agent.output}`);
    return existsSync(path.join(stateDir, 'identity.json'));
  });
  agent.stateDir = stateDir;
  agent.agentKey = JSON.parse(readFileSync(path.join(stateDir, 'identity.json'), 'utf8')).agentKey;
  return agent;
}

export async function waitForPrimary(manager, zoneId, agentKey) {
  return waitFor('the agent to become primary', async () => {
    const primary = await manager.api('GET', `/api/v1/zones/${zoneId}/primary`);
    return primary.body?.agent?.agentKey === agentKey;
  });
}

// ---- output ----
export function printTable(title, rows) {
  const columns = Object.keys(rows[0] ?? {});
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(width[i])).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}

export function writeResult(scenario, parameters, results) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${scenario}.json`);
  const { node, ...host } = machine();
  writeFileSync(
    file,
    JSON.stringify(
      { scenario, date: new Date().toISOString(), machine: host, node, parameters, results },
      null,
      2,
    ) + '\n',
  );
  return file;
}

// ---- MariaDB (scenarios 4 and 5): a fresh database per scenario, and the raw commit-rate baseline ----
// The server (no database in the path); the same default and override as the manager's integration tests.
export const MARIADB_ROOT_URL =
  process.env.OUTPOST_BENCH_MARIADB_URL ||
  process.env.OUTPOST_TEST_MYSQL_URL ||
  'mysql://root@127.0.0.1:3306';

/** MARIADB_ROOT_URL with `database` as its path (and `scheme` as its protocol). */
async function databaseUrl(database, scheme = 'mysql:') {
  const { URL } = await import('node:url');
  const url = new URL(MARIADB_ROOT_URL);
  url.pathname = `/${database}`;
  url.protocol = scheme;
  return url.toString();
}

/**
 * Creates `outpost_bench_<hex>` on the bench MariaDB (dropped by cleanupAll(), also on failure) and
 * returns its name and the OUTPOST_DATABASE_URL for the manager (`mariadb://` picks the dialect).
 */
export async function createBenchDatabase() {
  const { createConnection } = await import('mysql2/promise');
  const { randomBytes } = await import('node:crypto');
  const name = `outpost_bench_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection(MARIADB_ROOT_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  onCleanup(async () => {
    const connection = await createConnection(MARIADB_ROOT_URL);
    try {
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await connection.end();
    }
  });
  return { name, url: await databaseUrl(name, 'mariadb:') };
}

/**
 * The raw single-row commit rate of the bench MariaDB: `connections` loops each INSERT one row into
 * a scratch InnoDB table per autocommit statement (one commit each), for `durationMs` after
 * `warmupMs`. Returns commits/s and per-commit latency; the table is dropped afterwards.
 */
export async function measureCommitRate(
  database,
  { connections = 16, durationMs = 10_000, warmupMs = 1_000 } = {},
) {
  const { createPool } = await import('mysql2/promise');
  const pool = createPool({ uri: await databaseUrl(database), connectionLimit: connections });
  try {
    await pool.query(
      'CREATE TABLE bench_commit_rate (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL, created_at DATETIME(3) NOT NULL) ENGINE=InnoDB',
    );
    const [[settings]] = await pool.query(
      'SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS flushLogAtTrxCommit, @@log_bin AS logBin, @@sync_binlog AS syncBinlog',
    );
    const started = Date.now();
    const measureFrom = started + warmupMs;
    const measureTo = measureFrom + durationMs;
    let commits = 0;
    const latencies = [];
    const loop = async (i) => {
      const connection = await pool.getConnection();
      try {
        for (let n = 0; Date.now() < measureTo; n += 1) {
          const before = process.hrtime.bigint();
          await connection.execute('INSERT INTO bench_commit_rate (payload, created_at) VALUES (?, NOW(3))', [
            `c${i}-${n}`,
          ]);
          const now = Date.now();
          if (now >= measureFrom && now < measureTo) {
            commits += 1;
            latencies.push(Number(process.hrtime.bigint() - before) / 1e6);
          }
        }
      } finally {
        connection.release();
      }
    };
    await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
    await pool.query('DROP TABLE bench_commit_rate');
    return {
      connections,
      durationMs,
      commits,
      commitsPerSec: round(commits / (durationMs / 1000), 1),
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      server: settings,
    };
  } finally {
    await pool.end();
  }
}

/** Every task of the manager (newest first), paged through `GET /api/v1/tasks` (summaries). */
export async function listAllTasks(manager, query = '') {
  const tasks = [];
  for (let page = 1; ; page += 1) {
    const answer = await manager.ok(
      'GET',
      `/api/v1/tasks?pageSize=500&page=${page}${query ? `&${query}` : ''}`,
    );
    tasks.push(...answer.items);
    if (answer.items.length < 500 || tasks.length >= answer.total) return tasks;
  }
}

/** Terminal task statuses: the shared contract's list, from the built libs/shared (read on first use, after assertBuilt). */
export function isTerminalTaskStatus(status) {
  return terminalStatuses().includes(status);
}
let terminal = null;
function terminalStatuses() {
  terminal ??= [...createRequire(import.meta.url)('@outpost/shared').terminalTaskStatuses];
  return terminal;
}

/** How many of the manager's tasks are terminal (one cheap count query). */
export async function terminalTaskCount(manager) {
  return (await manager.ok('GET', `/api/v1/tasks?pageSize=1&status=${terminalStatuses().join(',')}`)).total;
}

/** CPU time (user + system) a process used so far, in seconds, from /proc (Linux; CLK_TCK 100). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples the CPU use of named pids over a window: `stop()` returns { name: percent of one core }. */
export function cpuMeter(pids) {
  const safe = (pid) => {
    try {
      return cpuSeconds(pid);
    } catch {
      return NaN;
    }
  };
  const started = Date.now();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, safe(pid)]));
  const self = process.cpuUsage();
  return {
    stop() {
      const seconds = (Date.now() - started) / 1000;
      const used = Object.fromEntries(
        Object.entries(pids).map(([name, pid]) => [
          name,
          round(((safe(pid) - before[name]) / seconds) * 100, 0),
        ]),
      );
      const mine = process.cpuUsage(self);
      used.bench = round(((mine.user + mine.system) / 1e6 / seconds) * 100, 0);
      return used;
    },
  };
}

/** The local MariaDB server's pid, if its pid file is readable (for cpuMeter); else null. */
export function mariadbPid() {
  for (const file of ['/run/mysqld/mysqld.pid', '/var/run/mysqld/mysqld.pid']) {
    try {
      return Number(readFileSync(file, 'utf8').trim()) || null;
    } catch {
      /* next */
    }
  }
  return null;
}

/** Server-wide statement counters of the bench MariaDB (SHOW GLOBAL STATUS), to count statements per task. */
export async function mariadbCounters() {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection(MARIADB_ROOT_URL);
  try {
    const [rows] = await connection.query(
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_commit', 'Com_begin', 'Handler_commit', 'Innodb_data_fsyncs')",
    );
    return Object.fromEntries(rows.map((row) => [row.Variable_name, Number(row.Value)]));
  } finally {
    await connection.end();
  }
}
