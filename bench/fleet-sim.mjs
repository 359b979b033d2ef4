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
// Every execution (RunnerPort.start that accepted a run) is appended synchronously to the file
// named by OUTPOST_SIM_EXEC_LOG as `runId taskId agentKey epochMs` — written with writeSync so the
// record survives a SIGKILL of this process a moment later (the failover scenario kills it).
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { startAgent } = require(path.join(ROOT, 'apps/agent/dist/agent.js'));

let stepDelayMs = Number(process.env.OUTPOST_SIM_STEP_DELAY_MS ?? 0);
const startConcurrency = Number(process.env.OUTPOST_SIM_START_CONCURRENCY ?? 25);
const execLog = process.env.OUTPOST_SIM_EXEC_LOG ? openSync(process.env.OUTPOST_SIM_EXEC_LOG, 'a') : null;

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
