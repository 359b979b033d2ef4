/* global console */
// Scenario 4: trivial one-step tasks completed end-to-end per second across a simulated fleet on
// MariaDB, next to the raw single-row commit rate of the same MariaDB measured in the same run.
import { Fleet } from './fleet-client.mjs';
import {
  Manager,
  isTerminalTaskStatus,
  cpuMeter,
  createBenchDatabase,
  listAllTasks,
  mariadbCounters,
  mariadbPid,
  measureCommitRate,
  percentile,
  printTable,
  round,
  sleep,
  terminalTaskCount,
  waitFor,
  writeResult,
} from './lib.mjs';

const STEPS = [{ seq: 1, commandName: 'noop', commandType: 'inline', command: 'true' }];

export async function run({ quick }) {
  const parameters = {
    zones: quick ? 2 : 10,
    agentsPerZone: quick ? 5 : 10,
    stepDelayMs: 0,
    creators: 16,
    /** Created but not yet terminal, at most this many per zone: enough to keep every agent busy. */
    backlogPerZone: 40,
    warmupMs: quick ? 1_000 : 5_000,
    windowMs: quick ? 3_000 : 20_000,
    drainTimeoutMs: quick ? 20_000 : 60_000,
    commitBaseline: { connections: 16, warmupMs: quick ? 300 : 1_000, durationMs: quick ? 1_500 : 10_000 },
    database: 'MariaDB (fresh database per run)',
    managerEnv: {},
  };
  parameters.agents = parameters.zones * parameters.agentsPerZone;
  const database = await createBenchDatabase();

  // The baseline first, on an idle server: the same MariaDB, the same concurrency as the task driver.
  const commits = await measureCommitRate(database.name, parameters.commitBaseline);

  const manager = await Manager.start({ OUTPOST_DATABASE_URL: database.url, ...parameters.managerEnv });
  const fleet = await Fleet.start(manager, {
    zones: parameters.zones,
    agentsPerZone: parameters.agentsPerZone,
    stepDelayMs: parameters.stepDelayMs,
    namePrefix: 'bench-throughput',
  });
  await fleet.waitOnline();
  await sleep(quick ? 1_000 : 2_000); // every primary has probed its members (1 s), so all of them get work

  // C creator loops; created − terminal stays under the backlog bound (a terminal count every 100 ms).
  const maxBacklog = parameters.backlogPerZone * parameters.zones;
  let created = 0;
  let terminal = 0;
  let stopping = false;
  const createErrors = [];
  const counting = (async () => {
    while (!stopping) {
      try {
        terminal = await terminalTaskCount(manager);
      } catch {
        /* next time */
      }
      await sleep(100);
    }
  })();
  const creator = async (loop) => {
    for (let n = 0; !stopping; n += 1) {
      if (created - terminal >= maxBacklog) {
        await sleep(5);
        continue;
      }
      created += 1;
      const zone = fleet.zones[(loop + n) % fleet.zones.length];
      const answer = await manager.api('POST', '/api/v1/tasks', {
        zoneId: zone.zoneId,
        name: `throughput-${loop}-${n}`,
        steps: STEPS,
      });
      if (answer.status !== 201) {
        created -= 1;
        createErrors.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        await sleep(50);
      }
    }
  };
  const loadStarted = Date.now();
  const creators = Array.from({ length: parameters.creators }, (_, i) => creator(i));
  const windowFrom = loadStarted + parameters.warmupMs;
  const windowTo = windowFrom + parameters.windowMs;
  await sleep(windowFrom - Date.now());
  const dbPid = mariadbPid();
  const countersBefore = await mariadbCounters();
  const meter = cpuMeter({
    manager: manager.process.pid,
    ...fleet.pids(),
    ...(dbPid ? { mariadb: dbPid } : {}),
  });
  await sleep(windowTo - Date.now());
  const cpuPercent = meter.stop();
  const countersAfter = await mariadbCounters();
  stopping = true;
  await Promise.all(creators);
  await counting;
  const drained = await waitFor(
    'every created task to finish',
    async () => (await terminalTaskCount(manager)) >= created,
    parameters.drainTimeoutMs,
    200,
  ).then(
    () => true,
    () => false,
  );

  const tasks = await listAllTasks(manager);
  const at = (iso) => (iso ? Date.parse(iso) : NaN);
  const inWindow = (ms) => ms >= windowFrom && ms < windowTo;
  const completedInWindow = tasks.filter((t) => t.status === 'complete' && inWindow(at(t.finishedAt)));
  const createdInWindow = tasks.filter((t) => inWindow(at(t.createdAt)));
  const latencies = createdInWindow
    .filter((t) => t.status === 'complete')
    .map((t) => at(t.finishedAt) - at(t.createdAt));
  const byStatus = {};
  for (const task of tasks) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
  const executions = fleet.executions();
  const runsSeen = new Map();
  for (const execution of executions) runsSeen.set(execution.runId, (runsSeen.get(execution.runId) ?? 0) + 1);
  const busyAgents = new Set(executions.map((execution) => execution.agentKey)).size;
  const fatal = await fleet.fatalErrors();
  await fleet.stop();
  await manager.process.stop();
  const managerErrors = manager.process.output
    .split('\n')
    .filter((line) => /\b(error|ERROR)\b/.test(line))
    .slice(0, 20);

  const seconds = parameters.windowMs / 1000;
  const results = {
    tasksPerSec: round(completedInWindow.length / seconds, 1),
    createdPerSec: round(createdInWindow.length / seconds, 1),
    completedInWindow: completedInWindow.length,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencySamples: latencies.length,
    commitsPerSec: commits.commitsPerSec,
    commitBaseline: commits,
    ratio: round(completedInWindow.length / seconds / commits.commitsPerSec, 4),
    targetTasksPerSec: 1_000,
    totalCreated: tasks.length,
    byStatus,
    notTerminalAfterDrain: tasks.filter((t) => !isTerminalTaskStatus(t.status)).length,
    drained,
    createErrors: createErrors.length,
    createErrorSamples: createErrors.slice(0, 5),
    executions: executions.length,
    runsExecutedTwice: [...runsSeen.values()].filter((count) => count > 1).length,
    agentsThatRanWork: busyAgents,
    cpuPercentInWindow: cpuPercent,
    /** Server-wide MariaDB counters in the window ÷ tasks completed in it (Questions = statements sent). */
    dbPerCompletedTask: Object.fromEntries(
      Object.keys(countersAfter).map((name) => [
        name,
        round((countersAfter[name] - countersBefore[name]) / Math.max(1, completedInWindow.length), 1),
      ]),
    ),
    agentFatalErrors: fatal,
    managerErrorLines: managerErrors,
  };
  results.withinTarget = results.tasksPerSec >= results.targetTasksPerSec;
  printTable(
    `4. Task throughput: ${parameters.agents} simulated agents in ${parameters.zones} zones, MariaDB, ${seconds} s window`,
    [
      {
        measure: 'tasks completed end-to-end',
        'per s': results.tasksPerSec,
        'p50 / p99 ms': `${results.latencyP50Ms} / ${results.latencyP99Ms} (created→complete)`,
        note: `${results.completedInWindow} in window; ${results.createdPerSec}/s created`,
      },
      {
        measure: `raw single-row commits (${commits.connections} conns)`,
        'per s': results.commitsPerSec,
        'p50 / p99 ms': `${commits.p50Ms} / ${commits.p99Ms} (per commit)`,
        note: `innodb_flush_log_at_trx_commit=${commits.server.flushLogAtTrxCommit}`,
      },
      {
        measure: 'ratio tasks/s ÷ commits/s',
        'per s': results.ratio,
        'p50 / p99 ms': '',
        note: `target ≥ 1,000 tasks/s: ${results.withinTarget ? 'met' : 'NOT met'}`,
      },
    ],
  );
  console.log(
    `statuses: ${JSON.stringify(byStatus)}; not terminal after drain: ${results.notTerminalAfterDrain}; ` +
      `create errors: ${results.createErrors}; runs executed twice: ${results.runsExecutedTwice}; ` +
      `agents that ran work: ${busyAgents}/${parameters.agents}`,
  );
  console.log(`MariaDB per completed task (server-wide): ${JSON.stringify(results.dbPerCompletedTask)}`);
  console.log(`CPU in the window (% of one core; 2 cores = 200): ${JSON.stringify(cpuPercent)}`);
  return writeResult('throughput', parameters, results);
}
