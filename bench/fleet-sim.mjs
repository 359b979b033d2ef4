#!/usr/bin/env node
/* global process, setTimeout, clearTimeout, setImmediate, clearImmediate, console */
// Fleet simulator process: runs many agents in this one process with the agent's own code — the
// real startAgent() of apps/agent/dist/agent.js (join, handshake, election, LAN server and probes,
// work intake, durable report queue, reporter) — and only the task runner replaced by one that
// completes every step at once (or after `stepDelayMs`). Driven by bench/fleet-client.mjs over the
// fork() IPC channel; see there and bench/README.md ("Fleet simulator").
//
// Protocol (parent → here, each answered with { id, ok, result | error }):
//   { id, op: 'start', agents: [{ name, stateDir, managerUrl?, zoneId?, joinToken? }] }
//   { id, op: 'status' }              → [{ name, ...AgentHandle.status() }]
//   { id, op: 'set', stepDelayMs }    → changes the step delay for runs started from now on
//   { id, op: 'stop' }                → force-stops every agent (graceful protocol-wise), then exits
//   { id, op: 'calls', reset? }       → the agents' timed HTTP calls since the last reset (below)
// Every execution (RunnerPort.start that accepted a run) is appended synchronously to the file
// named by OUTPOST_SIM_EXEC_LOG as `runId taskId agentKey epochMs` — written with writeSync so the
// record survives a SIGKILL of this process a moment later (the failover scenario kills it).
import { subscribe } from 'node:diagnostics_channel';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { startAgent } = require(path.join(ROOT, 'apps/agent/dist/agent.js'));

let stepDelayMs = Number(process.env.OUTPOST_SIM_STEP_DELAY_MS ?? 0);
const startConcurrency = Number(process.env.OUTPOST_SIM_START_CONCURRENCY ?? 25);
const execLog = process.env.OUTPOST_SIM_EXEC_LOG ? openSync(process.env.OUTPOST_SIM_EXEC_LOG, 'a') : null;

// ---- Agent-call timing (bench scenario 2, `fleet`), on when OUTPOST_SIM_TIME_CALLS=1 ----
// Every HTTP exchange an agent of this process makes is timed from the request's creation to the
// last byte of the reply, as the agent's own client sees it: `node:http` through the diagnostics
// channels 'http.client.request.start' (the agent's http-call.ts), and `fetch` through the undici
// channels in case the agent goes back to it. Calls to the manager (`/agent/v1/<route>`) are kept
// per route, LAN calls between agents (`/lan/v1/<route>`) as one group. Outcomes: `ok` (2xx),
// `http <status>`, a socket error code, `timeout` (the agent's own timeout fired) or `aborted` (the
// agent gave up the call itself, e.g. a held poll when its role ends: not an error). Latencies of
// completed exchanges are kept as samples (reservoir-sampled beyond a cap) with exact counts.
const timeCalls = process.env.OUTPOST_SIM_TIME_CALLS === '1';
const SAMPLE_CAP = { manager: 200_000, lan: 20_000 };
const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
let calls = newCallStats();

function newCallStats() {
  return { since: Date.now(), manager: {}, lan: {} };
}

/** ['manager' | 'lan', route] for a request path, or null for anything else. */
function classifyPath(rawPath) {
  const pathOnly = String(rawPath ?? '').split('?')[0];
  if (pathOnly.startsWith('/agent/v1/'))
    return ['manager', pathOnly.slice('/agent/v1/'.length).replace(/\/\d+(?=\/|$)/g, '/:id')];
  if (pathOnly.startsWith('/lan/v1/')) return ['lan', pathOnly.slice('/lan/v1/'.length)];
  return null;
}

function outcomeOfError(error) {
  if (error?.name === 'TimeoutError') return 'timeout';
  if (error?.name === 'AbortError') return 'aborted';
  const code = error?.code ?? error?.cause?.code;
  return typeof code === 'string' && code ? code : `error ${String(error?.message ?? error).slice(0, 60)}`;
}

function recordCall([kind, route], ms, outcome) {
  const group = calls[kind];
  const entry = (group[route] ??= { count: 0, outcomes: {}, samples: [], sampled: 0 });
  entry.count += 1;
  entry.outcomes[outcome] = (entry.outcomes[outcome] ?? 0) + 1;
  if (outcome === 'aborted') return; // the agent's own decision: its duration means nothing
  entry.sampled += 1;
  const cap = SAMPLE_CAP[kind];
  if (entry.samples.length < cap) entry.samples.push(Math.round(ms * 100) / 100);
  else {
    const slot = Math.floor(Math.random() * entry.sampled);
    if (slot < cap) entry.samples[slot] = Math.round(ms * 100) / 100;
  }
}

/** Starts timing one exchange; returns finish(outcome), which counts only its first call. */
function timeOne(where) {
  const started = performance.now();
  let done = false;
  return (outcome) => {
    if (done) return;
    done = true;
    recordCall(where, performance.now() - started, outcome);
  };
}

if (timeCalls) {
  loopDelay.enable();
  subscribe('http.client.request.start', ({ request }) => {
    const where = classifyPath(request.path);
    if (!where) return;
    const finish = timeOne(where);
    request.once('response', (response) => {
      const status = response.statusCode ?? 0;
      response.once('end', () => finish(status >= 200 && status <= 299 ? 'ok' : `http ${status}`));
      response.once('error', (error) => finish(outcomeOfError(error)));
      response.once('close', () => finish('closed before the reply ended'));
    });
    request.once('error', (error) => finish(outcomeOfError(error)));
  });
  const undiciCalls = new WeakMap(); // undici request -> { finish, status }
  subscribe('undici:request:create', ({ request }) => {
    const where = classifyPath(request.path);
    if (where) undiciCalls.set(request, { finish: timeOne(where), status: 0 });
  });
  subscribe('undici:request:headers', ({ request, response }) => {
    const call = undiciCalls.get(request);
    if (call) call.status = response.statusCode;
  });
  subscribe('undici:request:trailers', ({ request }) => {
    const call = undiciCalls.get(request);
    if (call) call.finish(call.status >= 200 && call.status <= 299 ? 'ok' : `http ${call.status}`);
  });
  subscribe('undici:request:error', ({ request, error }) =>
    undiciCalls.get(request)?.finish(outcomeOfError(error)),
  );
}

/** The calls timed since the last reset, this process's event-loop delay (ms) and its agents' roles. */
function callReport(reset) {
  const roles = {};
  for (const handle of agents.values()) {
    const role = handle.status().role;
    roles[role] = (roles[role] ?? 0) + 1;
  }
  // The histogram's values include its sampling interval: the delay is what lies beyond it.
  const ms = (nanos) =>
    Number.isFinite(nanos) ? Math.max(0, Math.round(nanos / 1e4) / 100 - LOOP_RESOLUTION_MS) : null;
  const report = {
    timing: timeCalls,
    since: calls.since,
    until: Date.now(),
    manager: calls.manager,
    lan: calls.lan,
    eventLoopDelayMs: timeCalls
      ? { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) }
      : null,
    rssKiB: Math.round(process.memoryUsage.rss() / 1024),
    agents: agents.size,
    roles,
  };
  if (reset) {
    calls = newCallStats();
    loopDelay.reset();
  }
  return report;
}

function recordExecution(assignment) {
  if (execLog === null) return;
  writeSync(execLog, `${assignment.runId} ${assignment.taskId} ${assignment.agentKey} ${Date.now()}\n`);
}

/**
 * The RunnerPort contract (apps/agent/src/work/runner-port.ts) with trivial steps: `started` at
 * once, then `complete` with a result after `stepDelayMs` (0: on the next turn of the event loop).
 * Refuses a run id it runs or finished, like the real TaskRunner.
 */
class InstantRunner {
  running = new Map(); // runId -> clears its pending completion
  finished = new Set();
  accepting = true;
  idleWaiters = [];

  constructor(deps) {
    this.sink = deps.sink;
  }

  start(assignment) {
    const { runId } = assignment;
    if (!this.accepting || this.running.has(runId) || this.finished.has(runId)) return false;
    recordExecution(assignment);
    const lastStep = assignment.task.steps.at(-1)?.seq ?? 1;
    this.emit(runId, 'started', 1, null);
    const finish = () => this.end(runId, 'complete', lastStep, 'ok');
    if (stepDelayMs > 0) {
      const timer = setTimeout(finish, stepDelayMs);
      this.running.set(runId, () => clearTimeout(timer));
    } else {
      const immediate = setImmediate(finish);
      this.running.set(runId, () => clearImmediate(immediate));
    }
    return true;
  }

  emit(runId, status, currentStep, result, error = null) {
    this.sink.emit({
      kind: 'status',
      runId,
      status,
      currentStep,
      failedStep: status === 'failed' ? currentStep : null,
      result,
      error,
    });
  }

  end(runId, status, currentStep, result, error = null) {
    if (!this.running.has(runId)) return;
    this.running.get(runId)(); // clears the pending completion
    this.running.delete(runId);
    this.remember(runId);
    this.emit(runId, status, currentStep, result, error);
    if (this.running.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  remember(runId) {
    this.finished.add(runId);
    if (this.finished.size > 20_000) this.finished.delete(this.finished.values().next().value);
  }

  cancel(runId, reason) {
    if (!this.running.has(runId)) return false;
    this.end(runId, reason === 'timeout' ? 'timeout' : 'stopped', 1, null, `${reason} on request`);
    return true;
  }

  isRunning(runId) {
    return this.running.has(runId);
  }

  runningRuns() {
    return [...this.running.keys()].map((runId) => ({ runId }));
  }

  runningCount() {
    return this.running.size;
  }

  stopAcceptingWork() {
    this.accepting = false;
  }

  whenIdle() {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async killAll() {
    this.accepting = false;
    for (const runId of [...this.running.keys()]) this.end(runId, 'stopped', 1, null, 'killed');
  }

  rememberFinished(runIds) {
    for (const runId of runIds) this.remember(runId);
  }
}

const agents = new Map(); // name -> AgentHandle
const fatal = [];

async function startOne(spec) {
  const handle = await startAgent({
    stateDir: spec.stateDir,
    managerUrl: spec.managerUrl ?? null,
    zoneId: spec.zoneId ?? null,
    joinToken: spec.joinToken ?? null,
    lanPort: 0,
    lanAddress: '127.0.0.1',
    lanBindHost: '127.0.0.1',
    logLevel: 'warn',
    logToStdout: false,
    runnerFactory: (deps) => new InstantRunner(deps),
    onFatal: (error) => fatal.push({ name: spec.name, error: String(error?.message ?? error) }),
    onExit: () => {},
  });
  agents.set(spec.name, handle);
  return { name: spec.name, agentKey: handle.agentKey, lanPort: handle.lanPort };
}

async function startMany(specs) {
  const results = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    while (next < specs.length) {
      const index = next++;
      results[index] = await startOne(specs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(startConcurrency, specs.length) }, worker));
  return results;
}

async function stopAll() {
  await Promise.all([...agents.values()].map((handle) => handle.stop({ force: true }).catch(() => {})));
  agents.clear();
  if (execLog !== null) closeSync(execLog);
}

const ops = {
  start: (message) => startMany(message.agents),
  status: () => [...agents].map(([name, handle]) => ({ name, ...handle.status() })),
  set: (message) => {
    stepDelayMs = Number(message.stepDelayMs);
    return { stepDelayMs };
  },
  fatal: () => fatal,
  calls: (message) => callReport(Boolean(message.reset)),
  stop: async () => {
    await stopAll();
    setTimeout(() => process.exit(0), 50);
    return { stopped: true };
  },
};

process.on('message', async (message) => {
  const op = ops[message?.op];
  try {
    if (!op) throw new Error(`unknown op ${message?.op}`);
    process.send({ id: message.id, ok: true, result: await op(message) });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
  }
});
// The bench went away (crash, Ctrl-C): do not outlive it.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (error) => console.error('fleet-sim: unhandled rejection', error));
