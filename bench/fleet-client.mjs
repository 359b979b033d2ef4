/* global process, setTimeout, clearTimeout */
// Parent side of the fleet simulator (bench/fleet-sim.mjs): spreads simulated agents over a few
// simulator processes, joins them zone by zone, and can SIGKILL and revive them. See bench/README.md
// ("Fleet simulator").
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, onCleanup, tempDir, waitFor } from './lib.mjs';

const SIM = path.join(ROOT, 'bench/fleet-sim.mjs');

/** One simulator process, driven over the fork() IPC channel (request → answer by id). */
class SimProcess {
  output = '';
  nextId = 1;
  pending = new Map();
  names = new Set(); // agents hosted here

  constructor(label, execLog, { stepDelayMs = 0, nodeArgs = [], env = {} } = {}) {
    this.label = label;
    this.execLog = execLog;
    this.child = fork(SIM, [], {
      execArgv: nodeArgs,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        OUTPOST_SIM_EXEC_LOG: execLog,
        OUTPOST_SIM_STEP_DELAY_MS: String(stepDelayMs),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk) => {
      this.output += chunk.toString();
      if (this.output.length > 100_000) this.output = this.output.slice(-50_000);
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.child.on('message', (message) => {
      const waiter = this.pending.get(message?.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`simulator ${this.label}: ${message.error}`));
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    void this.exited.then((code) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`simulator ${this.label} exited (${code}) during a call:\n${this.output}`));
      this.pending.clear();
    });
    onCleanup(() => this.kill());
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  call(op, payload = {}, timeoutMs = 120_000) {
    if (!this.running) return Promise.reject(new Error(`simulator ${this.label} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`simulator ${this.label}: ${op} timed out after ${timeoutMs} ms\n${this.output}`));
      }, timeoutMs);
      const done = (fn) => (value) => {
        clearTimeout(timer);
        fn(value);
      };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.child.send({ id, op, ...payload });
    });
  }

  /** kill -9: the agents in here stop mid-step, nothing is flushed, no lease is given back. */
  async kill() {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful: every agent stops (force mode: runs killed, queue flushed), then the process exits. */
  async stop(timeoutMs = 20_000) {
    if (!this.running) return;
    try {
      await this.call('stop', {}, timeoutMs);
    } catch {
      /* falls through to SIGKILL */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A fleet of simulated agents for one manager, `agentsPerZone` in each of `zones` new zones. The
 * first agent of every zone is started first and becomes its primary; with `isolatePrimaries` those
 * first agents live in their own simulator process(es), so `kill(primaryKeys)` is a real SIGKILL of
 * exactly the primaries. Everything is removed by lib.cleanupAll() (processes, state dirs).
 */
export class Fleet {
  sims = [];
  /** agentKey -> { name, zoneId, stateDir, sim } */
  agents = new Map();
  /** [{ zoneId, agentKeys: [...] }] in creation order; agentKeys[0] is the zone's first primary. */
  zones = [];
  execLogs = [];

  static async start(
    manager,
    {
      zones,
      agentsPerZone,
      agentsPerProcess = 2500,
      isolatePrimaries = false,
      stepDelayMs = 0,
      namePrefix = 'fleet',
      nodeArgs = [],
      /** Extra environment of the simulator processes (e.g. OUTPOST_SIM_TIME_CALLS=1). */
      simEnv = {},
      /** Zones (and their join tokens) created this many at a time; 1 keeps the creation order strict. */
      setupConcurrency = 1,
    },
  ) {
    const fleet = new Fleet();
    fleet.manager = manager;
    fleet.stepDelayMs = stepDelayMs;
    fleet.nodeArgs = nodeArgs;
    fleet.simEnv = simEnv;
    fleet.dir = tempDir('outpost-bench-fleet-');
    const created = new Array(zones);
    for (let from = 0; from < zones; from += setupConcurrency) {
      const batch = Array.from({ length: Math.min(setupConcurrency, zones - from) }, (_, i) => from + i);
      await Promise.all(
        batch.map(async (z) => {
          const zoneId = await manager.createZone(`${namePrefix}-${z}`);
          created[z] = { zoneId, joinToken: await manager.joinToken(zoneId, agentsPerZone) };
        }),
      );
    }
    const specs = [];
    for (let z = 0; z < zones; z += 1) {
      const { zoneId, joinToken } = created[z];
      fleet.zones.push({ zoneId, agentKeys: [] });
      for (let a = 0; a < agentsPerZone; a += 1) {
        const name = `z${z}-a${a}`;
        specs.push({
          name,
          zoneId,
          joinToken,
          managerUrl: manager.url,
          stateDir: path.join(fleet.dir, name),
        });
      }
    }
    const firsts = specs.filter((spec) => spec.name.endsWith('-a0'));
    const rest = specs.filter((spec) => !spec.name.endsWith('-a0'));
    const spread = (group, label) => {
      const count = Math.max(1, Math.ceil(group.length / agentsPerProcess));
      const sims = Array.from({ length: count }, (_, i) => fleet.spawn(`${label}-${i}`));
      group.forEach((spec, i) => (spec.sim = sims[i % count]));
    };
    if (isolatePrimaries) {
      spread(firsts, 'primaries');
      spread(rest, 'members');
    } else {
      spread(specs, 'sim');
    }
    // Primaries first: each zone's first agent finds no lease holder and takes the lease.
    await fleet.launch(firsts);
    await waitFor(
      'every zone to have its first agent as primary',
      async () => {
        const primaries = await fleet.primaries();
        return fleet.zones.every((zone) => primaries.get(zone.zoneId)?.agentKey === zone.agentKeys[0]);
      },
      60_000,
      200,
    );
    await fleet.launch(rest);
    return fleet;
  }

  spawn(label) {
    const execLog = path.join(this.dir, `executions-${label}.log`);
    const sim = new SimProcess(label, execLog, {
      stepDelayMs: this.stepDelayMs,
      nodeArgs: this.nodeArgs,
      env: this.simEnv,
    });
    this.sims.push(sim);
    this.execLogs.push(execLog);
    return sim;
  }

  async launch(specs) {
    const bySim = new Map();
    for (const spec of specs) bySim.set(spec.sim, [...(bySim.get(spec.sim) ?? []), spec]);
    await Promise.all(
      [...bySim].map(async ([sim, group]) => {
        const started = await sim.call(
          'start',
          {
            agents: group.map(({ name, zoneId, joinToken, managerUrl, stateDir }) => ({
              name,
              zoneId,
              joinToken,
              managerUrl,
              stateDir,
            })),
          },
          300_000,
        );
        for (const [i, { agentKey }] of started.entries()) {
          const spec = group[i];
          sim.names.add(agentKey);
          const known = this.agents.get(agentKey);
          if (known) known.sim = sim;
          else {
            this.agents.set(agentKey, { name: spec.name, zoneId: spec.zoneId, stateDir: spec.stateDir, sim });
            this.zones.find((zone) => zone.zoneId === spec.zoneId).agentKeys.push(agentKey);
          }
        }
      }),
    );
  }

  get size() {
    return this.agents.size;
  }

  /** Pids of the simulator processes still running, by label (for CPU sampling). */
  pids() {
    return Object.fromEntries(
      this.sims.filter((sim) => sim.running).map((sim) => [sim.label, sim.child.pid]),
    );
  }

  /** zoneId -> { agentKey | null, epoch } from GET /api/v1/zones/:id/primary. */
  async primaries(zoneIds = this.zones.map((zone) => zone.zoneId)) {
    const answers = await Promise.all(
      zoneIds.map((zoneId) => this.manager.ok('GET', `/api/v1/zones/${zoneId}/primary`)),
    );
    return new Map(
      answers.map((answer) => [
        answer.zoneId,
        { agentKey: answer.agent?.agentKey ?? null, epoch: answer.epoch },
      ]),
    );
  }

  /** Resolves once the manager lists every agent of the fleet as online. */
  async waitOnline(timeoutMs = 60_000) {
    await waitFor(
      `${this.size} agents to be online`,
      async () => {
        let online = 0;
        for (const zone of this.zones) {
          const page = await this.manager.ok(
            'GET',
            `/api/v1/zones/${zone.zoneId}/agents?state=online&pageSize=1`,
          );
          online += page.total;
        }
        return online >= this.size;
      },
      timeoutMs,
      250,
    );
  }

  /**
   * kill -9 of the given agents: SIGKILLs every simulator process hosting one of them. A process
   * that also hosts other agents is refused (start the fleet with `isolatePrimaries`). Returns the
   * time (ms) taken right before the signal.
   */
  async kill(agentKeys) {
    const victims = new Set(agentKeys);
    const sims = new Set(agentKeys.map((key) => this.agents.get(key)?.sim).filter(Boolean));
    for (const sim of sims) {
      const others = [...sim.names].filter((key) => !victims.has(key));
      if (others.length > 0)
        throw new Error(`simulator ${sim.label} also hosts ${others.length} other agent(s); cannot kill`);
    }
    const at = Date.now();
    await Promise.all([...sims].map((sim) => sim.kill()));
    for (const key of agentKeys) {
      const agent = this.agents.get(key);
      if (agent) agent.sim = null;
    }
    return at;
  }

  /** Starts killed agents again from their state dirs (no join), in one new simulator process. */
  async revive(agentKeys) {
    const sim = this.spawn(`revived-${this.sims.length}`);
    await this.launch(
      agentKeys.map((agentKey) => {
        const { name, zoneId, stateDir } = this.agents.get(agentKey);
        return { name, zoneId, stateDir, sim };
      }),
    );
  }

  async setStepDelay(ms) {
    this.stepDelayMs = ms;
    await Promise.all(
      this.sims.filter((sim) => sim.running).map((sim) => sim.call('set', { stepDelayMs: ms })),
    );
  }

  /** Every accepted run start of every simulator process so far, killed ones included. */
  executions() {
    const all = [];
    for (const file of this.execLogs) {
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const [runId, taskId, agentKey, at] = line.split(' ');
        if (at === undefined) continue; // empty or torn last line
        all.push({ runId: Number(runId), taskId: Number(taskId), agentKey, at: Number(at) });
      }
    }
    return all;
  }

  /** Agents that told their simulator the manager refuses them (protocol version). */
  async fatalErrors() {
    const lists = await Promise.all(this.sims.filter((sim) => sim.running).map((sim) => sim.call('fatal')));
    return lists.flat();
  }

  /**
   * Each running simulator's timed agent calls since its last reset (fleet-sim.mjs `calls`; timing
   * needs `simEnv: { OUTPOST_SIM_TIME_CALLS: '1' }`): [{ label, pid, ...report }].
   */
  async callReports({ reset = false } = {}) {
    const running = this.sims.filter((sim) => sim.running);
    const reports = await Promise.all(running.map((sim) => sim.call('calls', { reset }, 60_000)));
    return reports.map((report, i) => ({ label: running[i].label, pid: running[i].child.pid, ...report }));
  }

  async stop() {
    await Promise.all(this.sims.map((sim) => sim.stop()));
  }
}
