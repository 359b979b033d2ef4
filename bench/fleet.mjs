/* global console, process, fetch, setTimeout, clearTimeout, AbortSignal */
// Scenario 2: a fleet of simulated agents (the agent's own code, 10 per zone) at the shipped agent
// timings on one manager with MariaDB: the latency of every manager call the agents make, as the
// agents see it (the long poll's hold taken out), errors, manager CPU and RSS, database statements
// per second; the fleet grows in steps until p99 > 100 ms, an error, or the machine cannot drive it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Fleet } from './fleet-client.mjs';
import {
  Manager,
  ROOT,
  cpuMeter,
  createBenchDatabase,
  mariadbCounters,
  mariadbPid,
  median,
  percentile,
  printTable,
  round,
  rssKiB,
  sleep,
  writeResult,
} from './lib.mjs';

const require = createRequire(import.meta.url);
const { defaultAgentSettings } = require(path.join(ROOT, 'libs/shared/dist/index.js'));

const AGENTS_PER_ZONE = 10;
const P99_BUDGET_MS = 100;
const RSS_BUDGET_MIB = 512;
/** A simulator whose event loop lags more than this (p99) adds that much to what it measures. */
const SIM_LAG_LIMIT_MS = 50;
/** A poll this close to pollWaitMs (or longer) was held to the end. */
const HOLD_SLACK_MS = 5;
/** The manager's event-loop histogram samples every 20 ms (manager-metrics.ts); its values include that. */
const MANAGER_LOOP_RESOLUTION_MS = 20;
/** CPU (% of one core) of processes not the scenario's that makes a failed window worth repeating. */
const OTHERS_LIMIT_PERCENT = 25;
/** More failed LAN probes than this share means the simulators cannot keep their zones healthy. */
const LAN_FAILURE_LIMIT = 0.005;

const mib = (kib) => round(kib / 1024, 1);
const listFromEnv = (name) =>
  process.env[name]
    ?.split(',')
    .map(Number)
    .filter((n) => n > 0);

export async function run({ quick }) {
  const steps =
    listFromEnv('OUTPOST_BENCH_FLEET_STEPS') ??
    (quick ? [200] : [1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 20_000]);
  const parameters = {
    /** The issue's size: the last step; tried even after the search stopped, within the start bound. */
    target: { agents: steps.at(-1), zones: steps.at(-1) / AGENTS_PER_ZONE },
    steps,
    agentsPerZone: AGENTS_PER_ZONE,
    /** The target size is measured this long, every other step stepWindowMs. */
    finalWindowMs: Number(process.env.OUTPOST_BENCH_FLEET_FINAL_WINDOW_MS ?? (quick ? 5_000 : 120_000)),
    stepWindowMs: quick ? 5_000 : 30_000,
    /** After every agent of a step is online: the first polls and probes are not steady state. */
    settleMs: quick ? 1_500 : 15_000,
    /** A step whose agents are not all joined and online this long after it began cannot be driven. */
    startBoundMs: quick ? 20_000 : 150_000,
    /** The whole scenario stays within this (no step or window is begun that would overrun it). */
    budgetMs: quick ? 60_000 : 9.5 * 60_000,
    idleMs: quick ? 500 : 3_000,
    /** A failed window that other processes disturbed is measured again this often at most. */
    remeasureDisturbed: quick ? 0 : 2,
    othersLimitPercent: OTHERS_LIMIT_PERCENT,
    agentsPerProcess: 1_000,
    /** Zones and join tokens are created this many at a time. */
    setupConcurrency: 32,
    /** Agents joining at a time, over all simulator processes of a step. */
    joinsInFlight: 48,
    p99BudgetMs: P99_BUDGET_MS,
    rssBudgetMiB: RSS_BUDGET_MIB,
    simLagLimitMs: SIM_LAG_LIMIT_MS,
    lanFailureLimit: LAN_FAILURE_LIMIT,
    agentSettings: { ...defaultAgentSettings, note: 'shipped defaults (no OUTPOST_AGENT_* set)' },
    database: 'MariaDB (fresh database per run)',
  };
  const began = Date.now();
  const left = () => parameters.budgetMs - (Date.now() - began);
  const pollWaitMs = defaultAgentSettings.pollWaitMs;
  const database = await createBenchDatabase();
  const manager = await Manager.start({ OUTPOST_DATABASE_URL: database.url });
  const dbPid = mariadbPid();

  // Idle: the manager before any agent (RSS baseline for "per 1,000 agents"; the statement rate of
  // the server without the fleet — other clients of this MariaDB included).
  const idleCounters = await mariadbCounters();
  const idleFrom = Date.now();
  const idleRss = [];
  while (Date.now() - idleFrom < parameters.idleMs) {
    await sleep(Math.min(1_000, parameters.idleMs));
    idleRss.push(rssKiB(manager.process.pid));
  }
  const idleQuestions = (await mariadbCounters()).Questions - idleCounters.Questions;
  const idle = {
    rssMiB: mib(median(idleRss)),
    dbQuestionsPerSec: round(idleQuestions / ((Date.now() - idleFrom) / 1000), 1),
  };

  const context = { manager, fleets: [], dbPid, idle, pollWaitMs, parameters };
  const measured = [];
  let size = 0;
  let searchEnded = 'every step was within';
  const stepAt = async (agents, windowMs, startBoundMs) => {
    const startup = await grow(context, { index: measured.length, from: size, agents, startBoundMs });
    if (startup.joinedS !== undefined) size = agents; // every agent has joined (maybe not all online)
    if (!startup.ok) {
      const { machine, manager: managerCpu } = startup.cpuPercent;
      const step = {
        agents,
        zones: agents / AGENTS_PER_ZONE,
        ok: false,
        startup,
        verdict: 'not started',
        limitedBy: `start-up (machine CPU ${machine} % of 200 %, manager ${managerCpu} %)`,
      };
      measured.push(step);
      console.log(`  ${agents} agents: not started — ${startup.reason}`);
      return step;
    }
    await sleep(parameters.settleMs);
    const window = () => Math.max(1_000, Math.min(windowMs, left() - 5_000));
    const measureOnce = () =>
      measure(context, agents, window()).catch((error) => ({
        agents,
        zones: agents / AGENTS_PER_ZONE,
        ok: false,
        verdict: `not measured: ${firstLine(error)}`,
        reasons: [`not measured: ${firstLine(error)}`],
        limitedBy: 'the measurement failed (a swamped simulator or manager did not answer)',
        cpuPercent: {},
      }));
    let step = await measureOnce();
    // Other processes on this machine (other users' jobs) can take a core away mid-window: a failed
    // window they disturbed is measured again (twice at most); the disturbed ones stay in the JSON.
    const disturbed = [];
    while (
      !step.ok &&
      step.cpuPercent.otherProcesses >= OTHERS_LIMIT_PERCENT &&
      disturbed.length < parameters.remeasureDisturbed &&
      left() > windowMs + 30_000
    ) {
      console.log(
        `  ${agents} agents: ${step.verdict} with other processes at ${step.cpuPercent.otherProcesses} % CPU; measuring again`,
      );
      disturbed.push(step);
      step = await measureOnce();
    }
    if (disturbed.length) step.disturbedWindows = disturbed;
    step.startup = startup;
    measured.push(step);
    console.log(
      step.calls
        ? `  ${agents} agents: p50/p99 ${step.calls.p50Ms}/${step.calls.p99Ms} ms, errors ${step.calls.errors}, ` +
            `manager ${step.cpuPercent.manager} % CPU, ${step.manager.rssMiB} MiB — ${step.verdict}`
        : `  ${agents} agents: ${step.verdict}`,
    );
    return step;
  };

  // The search: grow step by step (one manager, one database: the fleet only ever grows) until a
  // step is over budget, has errors, or cannot be started.
  for (const agents of steps) {
    const windowMs = agents === parameters.target.agents ? parameters.finalWindowMs : parameters.stepWindowMs;
    if (left() < parameters.settleMs + windowMs + 30_000) {
      searchEnded = `time budget: ${Math.round(left() / 1000)} s left before step ${agents}`;
      break;
    }
    const step = await stepAt(agents, windowMs, Math.min(parameters.startBoundMs, left() - windowMs));
    if (!step.ok) {
      searchEnded = `step ${agents}: ${step.reasons?.join('; ') ?? step.startup.reason}`;
      break;
    }
  }
  // The target size, if the search stopped short of it: started within what the budget leaves (a
  // window of at least 30 s must fit), measured for the rest of the final window.
  const reached = measured.some((step) => step.calls && step.agents === parameters.target.agents);
  let target = reached ? 'measured in the search' : null;
  if (!reached && size < parameters.target.agents) {
    const bound = Math.min(parameters.startBoundMs, left() - parameters.settleMs - 30_000);
    if (bound < 20_000) target = `not tried: ${Math.round(left() / 1000)} s of the time budget left`;
    else {
      console.log(
        `  trying the target size, ${parameters.target.agents} agents (start bound ${bound / 1000} s)`,
      );
      const step = await stepAt(parameters.target.agents, parameters.finalWindowMs, bound);
      step.targetAttempt = true;
      target = step.calls
        ? `measured (${step.verdict})`
        : `${step.verdict}${step.startup.ok ? '' : `: ${step.startup.reason}`}`;
    }
  }

  const passed = [];
  for (const step of measured) {
    if (!step.ok || step.targetAttempt) break;
    passed.push(step);
  }
  const biggest = [...measured].reverse().find((step) => step.calls) ?? null;
  const results = {
    idle,
    steps: measured,
    largestFleetWithinP99: passed.at(-1)?.agents ?? 0,
    searchEnded,
    limitedBy: measured.find((step) => !step.ok)?.limitedBy ?? null,
    target,
    managerRssPer1000AgentsMiB: biggest?.manager.rssPer1000AgentsMiB ?? null,
    managerRssPer1000AgentsByStep: measured
      .filter((step) => step.calls)
      .map((step) => ({ agents: step.agents, mib: step.manager.rssPer1000AgentsMiB })),
    managerRssMaxMiB: Math.max(
      idle.rssMiB,
      ...measured.map((step) => Math.max(step.manager?.rssMaxMiB ?? 0, step.startup?.managerRssMaxMiB ?? 0)),
    ),
    durationS: round((Date.now() - began) / 1000, 1),
  };
  report(parameters, results, biggest);
  return writeResult('fleet', parameters, results);
}

/**
 * CPU use of the whole machine from /proc/stat: `stop()` gives { busy, irq } in % of one core
 * (2 cores = 200); irq is interrupt and softirq time (loopback networking), which no process owns.
 */
function machineCpuMeter() {
  const read = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    return { total, idle: fields[3] + (fields[4] ?? 0), irq: (fields[5] ?? 0) + (fields[6] ?? 0) };
  };
  const before = read();
  return {
    stop() {
      const after = read();
      const total = after.total - before.total;
      const share = (ticks) => (total > 0 ? round((ticks / total) * os.cpus().length * 100, 0) : NaN);
      return { busy: share(total - (after.idle - before.idle)), irq: share(after.irq - before.irq) };
    },
  };
}

/**
 * Adds agents up to `agents` (one more Fleet, new zones of 10) and waits until the manager lists
 * them all online, within `startBoundMs`. Samples the manager's RSS and the CPU meanwhile.
 */
async function grow(context, { index, from: current, agents, startBoundMs }) {
  const { manager, fleets, dbPid, parameters } = context;
  const from = Date.now();
  const deadline = from + startBoundMs;
  const zones = Math.round((agents - current) / AGENTS_PER_ZONE);
  const cpu = cpuMeter({ manager: manager.process.pid, ...(dbPid ? { mariadb: dbPid } : {}) });
  const machineCpu = machineCpuMeter();
  let rssMax = 0;
  let sampling = true;
  const sampler = (async () => {
    for (let n = 0; sampling; n += 1) {
      if (n % 4 === 0) rssMax = Math.max(rssMax, rssKiB(manager.process.pid));
      await sleep(250);
    }
  })();
  const stats = async (extra) => {
    sampling = false;
    await sampler;
    const used = cpu.stop();
    return {
      added: zones * AGENTS_PER_ZONE,
      ms: Date.now() - from,
      managerRssMaxMiB: mib(rssMax),
      cpuPercent: { manager: used.manager, mariadb: used.mariadb ?? null, machine: machineCpu.stop().busy },
      ...extra,
    };
  };

  let timer;
  const starting = Fleet.start(manager, {
    zones,
    agentsPerZone: AGENTS_PER_ZONE,
    agentsPerProcess: parameters.agentsPerProcess,
    namePrefix: `bench-fleet-${index}`,
    simEnv: {
      OUTPOST_SIM_TIME_CALLS: '1',
      // Joins in flight over all the new simulators: more only queue in the manager, and a join
      // answered after the agent's 15 s timeout is retried and spends a second use of the token.
      OUTPOST_SIM_START_CONCURRENCY: String(
        Math.max(
          2,
          Math.ceil(parameters.joinsInFlight / Math.ceil(zones / (parameters.agentsPerProcess / 10))),
        ),
      ),
    },
    setupConcurrency: parameters.setupConcurrency,
  });
  starting.catch(() => {}); // awaited below, or left to cleanupAll() after the bound
  const bound = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, startBoundMs));
  });
  let fleet;
  try {
    fleet = await Promise.race([starting, bound]);
  } catch (error) {
    const counts = await agentCounts(manager).catch(() => ({}));
    return stats({
      ok: false,
      reason: `the fleet failed to start: ${firstLine(error)} (${describeCounts(counts, agents)})`,
      counts,
    });
  } finally {
    clearTimeout(timer);
  }
  if (!fleet) {
    const counts = await agentCounts(manager).catch(() => ({}));
    return stats({
      ok: false,
      reason: `not started within the start bound of ${Math.round(startBoundMs / 1000)} s (${describeCounts(counts, agents)})`,
      counts,
    });
  }
  fleets.push(fleet);
  const joinedS = round((Date.now() - from) / 1000, 1);
  let counts = {};
  while (Date.now() < deadline) {
    counts = await agentCounts(manager);
    if (counts.online >= agents) break;
    await sleep(250);
  }
  if (!(counts.online >= agents)) {
    return stats({
      ok: false,
      reason: `not all online within the start bound of ${Math.round(startBoundMs / 1000)} s (${describeCounts(counts, agents)})`,
      counts,
      joinedS,
    });
  }
  return stats({ ok: true, joinedS, onlineS: round((Date.now() - from) / 1000, 1) });
}

const firstLine = (error) =>
  String(error?.message ?? error)
    .split('\n')[0]
    .slice(0, 400);
const describeCounts = (counts, agents) =>
  `${counts.total ?? '?'} joined, ${counts.online ?? '?'} online of ${agents}`;

/** Agents the manager knows, by state (one cheap count per state over every zone). */
async function agentCounts(manager) {
  const total = async (query) => {
    const response = await fetch(`${manager.url}/api/v1/agents?pageSize=1${query}`, {
      headers: { authorization: `Bearer ${manager.token}` },
      signal: AbortSignal.timeout(30_000), // a swamped manager must not stall the scenario
    });
    if (!response.ok) throw new Error(`GET /api/v1/agents -> ${response.status}`);
    return (await response.json()).total;
  };
  const states = ['online', 'suspect', 'offline', 'new'];
  const totals = await Promise.all([...states.map((state) => total(`&state=${state}`)), total('')]);
  return { ...Object.fromEntries(states.map((state, i) => [state, totals[i]])), total: totals.at(-1) };
}

/** The manager's event-loop delay since the previous scrape (its /metrics resets the window). */
async function managerLoopDelay(manager) {
  const text = await (await fetch(`${manager.url}/metrics`)).text();
  const value = (name) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
    return match ? round(Number(match[1]) * 1000, 1) : null;
  };
  const beyond = (ms) => (ms === null ? null : round(Math.max(0, ms - MANAGER_LOOP_RESOLUTION_MS), 1));
  return {
    meanMs: beyond(value('nodejs_eventloop_lag_seconds')),
    p99Ms: beyond(value('nodejs_eventloop_lag_p99_seconds')),
    maxMs: beyond(value('nodejs_eventloop_lag_max_seconds')),
    note: `beyond the ${MANAGER_LOOP_RESOLUTION_MS} ms sampling interval of /metrics nodejs_eventloop_lag_*`,
  };
}

/** One steady window at the current size: agent calls, errors, CPU, RSS, database statements. */
async function measure({ manager, fleets, dbPid, idle, pollWaitMs }, agents, windowMs) {
  const reportsOf = async (reset) => (await Promise.all(fleets.map((f) => f.callReports({ reset })))).flat();
  await reportsOf(true);
  await managerLoopDelay(manager); // starts the manager's window
  const countersBefore = await mariadbCounters();
  const simPids = {};
  for (const [i, fleet] of fleets.entries())
    for (const [label, pid] of Object.entries(fleet.pids())) simPids[`sim${i}-${label}`] = pid;
  const meter = cpuMeter({ manager: manager.process.pid, ...(dbPid ? { mariadb: dbPid } : {}), ...simPids });
  const machineCpu = machineCpuMeter();
  const from = Date.now();
  const rss = [];
  while (Date.now() - from < windowMs) {
    await sleep(Math.min(1_000, windowMs - (Date.now() - from)));
    rss.push(rssKiB(manager.process.pid));
  }
  const seconds = (Date.now() - from) / 1000;
  const cpu = meter.stop();
  const machine = machineCpu.stop();
  const countersAfter = await mariadbCounters();
  const loop = await managerLoopDelay(manager);
  const reports = await reportsOf(false);
  const counts = await agentCounts(manager);

  // CPU: manager, MariaDB, the simulators summed (and the busiest one), the bench itself.
  const simCpu = Object.entries(cpu).filter(([name]) => name.startsWith('sim'));
  const cpuPercent = {
    manager: cpu.manager,
    mariadb: cpu.mariadb ?? null,
    simulators: round(
      simCpu.reduce((sum, [, value]) => sum + (Number.isFinite(value) ? value : 0), 0),
      0,
    ),
    busiestSimulator: Math.max(0, ...simCpu.map(([, value]) => value).filter(Number.isFinite)),
    simulatorProcesses: simCpu.length,
    bench: cpu.bench,
  };
  cpuPercent.total = round(
    cpuPercent.manager + (cpuPercent.mariadb ?? 0) + cpuPercent.simulators + cpuPercent.bench,
    0,
  );
  /** Everything on the machine; minus the above and interrupts: other processes (e.g. other users' jobs). */
  cpuPercent.machine = machine.busy;
  cpuPercent.interrupts = machine.irq;
  cpuPercent.otherProcesses = Math.max(0, round(machine.busy - machine.irq - cpuPercent.total, 0));

  const calls = summarizeCalls(reports, seconds, pollWaitMs);
  const lan = summarizeLan(reports, seconds);
  const simLag = reports.map((r) => r.eventLoopDelayMs?.p99 ?? 0);
  const roles = {};
  for (const r of reports)
    for (const [role, n] of Object.entries(r.roles)) roles[role] = (roles[role] ?? 0) + n;
  const db = {};
  for (const name of Object.keys(countersAfter))
    db[name] = round((countersAfter[name] - countersBefore[name]) / seconds, 1);
  const rssMedian = median(rss);
  const managerStats = {
    rssMiB: mib(rssMedian),
    rssMaxMiB: mib(Math.max(...rss)),
    rssPer1000AgentsMiB: round((mib(rssMedian) - idle.rssMiB) / (agents / 1000), 2),
    eventLoopDelay: loop,
  };

  const simulators = {
    processes: reports.length,
    eventLoopDelayP99MsMax: round(Math.max(0, ...simLag), 1),
    eventLoopDelayP99MsMedian: round(median(simLag), 1),
    eventLoopDelayMaxMs: round(Math.max(0, ...reports.map((r) => r.eventLoopDelayMs?.max ?? 0)), 1),
    rssMiBTotal: mib(reports.reduce((sum, r) => sum + r.rssKiB, 0)),
    roles,
  };
  const generatorReasons = [];
  if (simulators.eventLoopDelayP99MsMax > SIM_LAG_LIMIT_MS)
    generatorReasons.push(`simulator event-loop p99 up to ${simulators.eventLoopDelayP99MsMax} ms`);
  if (simulators.eventLoopDelayMaxMs > P99_BUDGET_MS)
    generatorReasons.push(`a simulator event-loop stall of ${simulators.eventLoopDelayMaxMs} ms`);
  if (lan.failureShare > LAN_FAILURE_LIMIT)
    generatorReasons.push(`${round(lan.failureShare * 100, 1)} % of LAN probes failed`);
  // LAN calls go from one simulated agent to another, no manager involved: their tail is the load
  // generator's (and the shared cores') own, and it lands on the manager calls it times as well.
  if (lan.p99Ms > P99_BUDGET_MS / 2)
    generatorReasons.push(`LAN calls between simulated agents p99 ${lan.p99Ms} ms`);
  if ((roles.handshaking ?? 0) > 0) generatorReasons.push(`${roles.handshaking} agents handshaking`);

  const reasons = [];
  if (!(calls.p99Ms <= P99_BUDGET_MS)) reasons.push(`p99 ${calls.p99Ms} ms > ${P99_BUDGET_MS} ms`);
  if (calls.errors > 0) reasons.push(`${calls.errors} errors`);
  if (counts.online < agents) reasons.push(`${counts.online} of ${agents} agents online at the end`);
  const ok = reasons.length === 0;
  // Who saturated: every part that shows it (the manager is one Node thread: ~100 % is all it has).
  const saturated = [];
  if (generatorReasons.length > 0) saturated.push(`load generator (${generatorReasons.join(', ')})`);
  if (machine.busy >= 185) saturated.push(`machine CPU (${machine.busy} % of 200 %)`);
  if (cpuPercent.otherProcesses >= OTHERS_LIMIT_PERCENT)
    saturated.push(`other processes on the machine (${cpuPercent.otherProcesses} % CPU)`);
  if (cpuPercent.manager >= 90 || loop.p99Ms > SIM_LAG_LIMIT_MS)
    saturated.push(`manager (${cpuPercent.manager} % CPU, event loop p99 ${loop.p99Ms} ms)`);
  // Not saturation but a stall (a major GC, say): every call in flight then waits that long.
  if (loop.maxMs > SIM_LAG_LIMIT_MS) saturated.push(`a manager event-loop stall of ${loop.maxMs} ms`);
  const limitedBy = ok ? null : saturated.join(' + ') || 'no part saturated (see the figures)';
  return {
    agents,
    zones: agents / AGENTS_PER_ZONE,
    windowS: round(seconds, 1),
    ok,
    verdict: ok ? 'within' : `over (${reasons.join('; ')})`,
    reasons,
    limitedBy,
    generatorWarnings: generatorReasons,
    calls,
    lan,
    cpuPercent,
    manager: managerStats,
    dbPerSec: db,
    simulators,
    agentStates: counts,
  };
}

/**
 * Manager calls of the window, merged over the simulators. The poll is held up to pollWaitMs when
 * there is no work: a poll that took at least that long was held to the end, and what it took
 * beyond pollWaitMs is its overhead (the manager's work, the network, both event loops); a poll
 * answered earlier (work, a zone change) counts with its whole duration, an upper bound. The
 * headline p50/p99 are over every call: non-poll calls as they took, polls as above.
 */
function summarizeCalls(reports, seconds, pollWaitMs) {
  const routes = {};
  for (const report of reports) {
    for (const [route, entry] of Object.entries(report.manager)) {
      const merged = (routes[route] ??= { count: 0, outcomes: {}, samples: [] });
      merged.count += entry.count;
      for (const [outcome, n] of Object.entries(entry.outcomes))
        merged.outcomes[outcome] = (merged.outcomes[outcome] ?? 0) + n;
      for (const sample of entry.samples) merged.samples.push(sample);
    }
  }
  const all = [];
  const byRoute = {};
  let errors = 0;
  let aborted = 0;
  const errorKinds = {};
  for (const [route, entry] of Object.entries(routes)) {
    for (const [outcome, n] of Object.entries(entry.outcomes)) {
      if (outcome === 'ok') continue;
      if (outcome === 'aborted') aborted += n;
      else {
        errors += n;
        errorKinds[`${route}: ${outcome}`] = n;
      }
    }
    const stats = (values) => ({
      p50Ms: round(percentile(values, 50), 1),
      p90Ms: round(percentile(values, 90), 1),
      p99Ms: round(percentile(values, 99), 1),
      maxMs: values.length ? round(Math.max(...values), 1) : NaN,
    });
    const row = { calls: entry.count, perSec: round(entry.count / seconds, 1), outcomes: entry.outcomes };
    if (route === 'poll') {
      // The manager's hold timer can fire a millisecond early (timers count from the event loop's
      // cached clock): a poll within HOLD_SLACK_MS of the hold was held to its end all the same.
      const heldToEnd = (ms) => ms >= pollWaitMs - HOLD_SLACK_MS;
      const held = entry.samples.filter(heldToEnd).map((ms) => Math.max(0, ms - pollWaitMs));
      const early = entry.samples.filter((ms) => !heldToEnd(ms));
      Object.assign(row, { heldToTheEnd: held.length, overhead: stats(held), answeredEarly: early.length });
      if (early.length) row.early = stats(early);
      for (const value of held) all.push(value);
      for (const value of early) all.push(value);
    } else {
      Object.assign(row, stats(entry.samples));
      for (const value of entry.samples) all.push(value);
    }
    byRoute[route] = row;
  }
  const nonPoll = Object.entries(routes)
    .filter(([route]) => route !== 'poll')
    .flatMap(([, entry]) => entry.samples);
  return {
    count: Object.values(routes).reduce((sum, entry) => sum + entry.count, 0),
    perSec: round(Object.values(routes).reduce((sum, entry) => sum + entry.count, 0) / seconds, 1),
    samples: all.length,
    p50Ms: round(percentile(all, 50), 1),
    p99Ms: round(percentile(all, 99), 1),
    maxMs: all.length ? round(Math.max(...all), 1) : NaN,
    pollOverheadP99Ms: byRoute.poll?.overhead.p99Ms ?? NaN,
    nonPollCalls: nonPoll.length,
    nonPollP99Ms: round(percentile(nonPoll, 99), 1),
    errors,
    errorKinds,
    abortedByAgent: aborted,
    byRoute,
  };
}

/** LAN calls between the simulated agents (probes): the load generator's own health. */
function summarizeLan(reports, seconds) {
  let count = 0;
  let failed = 0;
  const samples = [];
  const outcomes = {};
  for (const report of reports) {
    for (const entry of Object.values(report.lan)) {
      count += entry.count;
      for (const [outcome, n] of Object.entries(entry.outcomes)) {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
        if (outcome !== 'ok' && outcome !== 'aborted') failed += n;
      }
      for (const sample of entry.samples) samples.push(sample);
    }
  }
  return {
    calls: count,
    perSec: round(count / seconds, 0),
    failed,
    failureShare: count ? failed / count : 0,
    outcomes,
    p50Ms: round(percentile(samples, 50), 1),
    p99Ms: round(percentile(samples, 99), 1),
  };
}

function report(parameters, results, biggest) {
  const dash = '-';
  const rows = results.steps.map((step) => {
    const row = {
      agents: step.agents,
      zones: step.zones,
      'start s': step.startup.onlineS ?? round(step.startup.ms / 1000, 1),
      window: dash,
      'calls/s': dash,
      'p50 / p99 ms': dash,
      'poll ovh p99': dash,
      errors: dash,
      'mgr CPU %': step.startup.cpuPercent.manager,
      'mgr RSS MiB': step.startup.managerRssMaxMiB,
      'DB q/s': dash,
      'db / sims / machine CPU %': `${step.startup.cpuPercent.mariadb ?? '?'} / ? / ${step.startup.cpuPercent.machine}`,
      'sim lag p99/max': dash,
      'LAN/s, p99': dash,
      verdict: step.startup.ok ? step.verdict : 'not started (start-up figures)',
    };
    if (!step.calls) return row;
    return {
      ...row,
      window: `${step.windowS} s`,
      'calls/s': step.calls.perSec,
      'p50 / p99 ms': `${step.calls.p50Ms} / ${step.calls.p99Ms}`,
      'poll ovh p99': step.calls.pollOverheadP99Ms,
      errors: step.calls.errors,
      'mgr CPU %': step.cpuPercent.manager,
      'mgr RSS MiB': step.manager.rssMiB,
      'DB q/s': step.dbPerSec.Questions,
      'db / sims / machine CPU %': `${step.cpuPercent.mariadb ?? '?'} / ${step.cpuPercent.simulators} / ${step.cpuPercent.machine}`,
      'sim lag p99/max': `${step.simulators.eventLoopDelayP99MsMax} / ${step.simulators.eventLoopDelayMaxMs}`,
      'LAN/s, p99': `${step.lan.perSec}, ${step.lan.p99Ms} ms`,
      verdict: step.ok ? 'within' : `over: ${step.limitedBy}`,
    };
  });
  printTable(
    `2. Fleet at scale: ${AGENTS_PER_ZONE} agents per zone, shipped timings, MariaDB; idle manager ${results.idle.rssMiB} MiB; CPU in % of one core (2 cores = 200)`,
    rows,
  );
  if (biggest) {
    printTable(
      `   agent calls at ${biggest.agents} agents, per route (poll: time beyond the ${parameters.agentSettings.pollWaitMs} ms hold)`,
      Object.entries(biggest.calls.byRoute).map(([route, row]) => ({
        route,
        calls: row.calls,
        'per s': row.perSec,
        'p50 / p99 / max ms':
          route === 'poll'
            ? `${row.overhead.p50Ms} / ${row.overhead.p99Ms} / ${row.overhead.maxMs} (${row.heldToTheEnd} held, ${row.answeredEarly} early)`
            : `${row.p50Ms} / ${row.p99Ms} / ${row.maxMs}`,
        outcomes: JSON.stringify(row.outcomes),
      })),
    );
  }
  console.log(
    `largest fleet with p99 ≤ ${P99_BUDGET_MS} ms and no errors: ${results.largestFleetWithinP99 ? `${results.largestFleetWithinP99} agents` : 'none of the sizes measured'}; ` +
      `search ended: ${results.searchEnded}` +
      (results.limitedBy ? ` — limited by ${results.limitedBy}` : ''),
  );
  console.log(`target ${parameters.target.agents} agents: ${results.target}`);
  if (biggest) {
    console.log(
      `manager at ${biggest.agents} agents: RSS ${biggest.manager.rssMiB} MiB (window max ${biggest.manager.rssMaxMiB}; ` +
        `${results.managerRssPer1000AgentsMiB} MiB per 1,000 agents over idle; budget ≤ ${RSS_BUDGET_MIB} MiB at 20,000), ` +
        `event loop p99 ${biggest.manager.eventLoopDelay.p99Ms} ms; highest RSS seen ${results.managerRssMaxMiB} MiB`,
    );
    console.log(
      `MariaDB per s (server-wide): ${JSON.stringify(biggest.dbPerSec)}; idle server ${results.idle.dbQuestionsPerSec} Questions/s`,
    );
    if (biggest.calls.errors)
      console.log(`errors seen by the agents: ${JSON.stringify(biggest.calls.errorKinds)}`);
  }
}
