/* global console */
// Scenario 6: idle agent RSS next to a bare node process; manager RSS idle and with one agent.
import { readFileSync } from 'node:fs';
import {
  Manager,
  NodeProcess,
  printTable,
  round,
  sleep,
  startAgent,
  waitForPrimary,
  writeResult,
} from './lib.mjs';

const mib = (kib) => round(kib / 1024, 1);

/**
 * One reading of /proc/<pid>/status: VmRSS, and its split into RssFile (mapped files: mostly the
 * pages of the node binary the process has touched — code it ran, builtin module sources, V8's
 * compilers) and RssAnon (private memory: the V8 heap, malloc, thread stacks).
 */
function readRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { kib: kib('VmRSS'), anonKiB: kib('RssAnon'), fileKiB: kib('RssFile') };
}

export async function run({ quick }) {
  const parameters = { settleMs: quick ? 2_000 : 5_000, samples: quick ? 1 : 5, sampleEveryMs: 1_000 };
  /** The median reading by VmRSS (with its split from the same reading). */
  const sampleRss = async (pid) => {
    const readings = [];
    for (let i = 0; i < parameters.samples; i += 1) {
      if (i > 0) await sleep(parameters.sampleEveryMs);
      readings.push(readRss(pid));
    }
    return readings.sort((a, b) => a.kib - b.kib)[Math.floor(readings.length / 2)];
  };

  const manager = await Manager.start();
  const bare = new NodeProcess(['-e', 'setInterval(() => {}, 1000)']);
  await sleep(parameters.settleMs);
  const managerIdleKiB = (await sampleRss(manager.process.pid)).kib;

  const zoneId = await manager.createZone('bench-memory');
  const agent = await startAgent(manager, zoneId, await manager.joinToken(zoneId, 1));
  await waitForPrimary(manager, zoneId, agent.agentKey);
  await sleep(parameters.settleMs);
  const [agentRss, bareRss, managerWithAgentRss] = await Promise.all([
    sampleRss(agent.pid),
    sampleRss(bare.pid),
    sampleRss(manager.process.pid),
  ]);
  const [agentKiB, bareKiB, managerWithAgentKiB] = [agentRss.kib, bareRss.kib, managerWithAgentRss.kib];
  await agent.stop();
  await bare.stop();
  await manager.process.stop();

  const results = {
    agentIdleMiB: mib(agentKiB),
    bareNodeMiB: mib(bareKiB),
    agentToBareRatio: round(agentKiB / bareKiB, 2),
    agentBudgetRatio: 1.5,
    agentRssAnonMiB: mib(agentRss.anonKiB),
    agentRssFileMiB: mib(agentRss.fileKiB),
    bareRssAnonMiB: mib(bareRss.anonKiB),
    bareRssFileMiB: mib(bareRss.fileKiB),
    managerIdleMiB: mib(managerIdleKiB),
    managerWithOneAgentMiB: mib(managerWithAgentKiB),
    managerBudgetMiBAt20kAgents: 512,
  };
  results.agentWithinBudget = results.agentToBareRatio <= results.agentBudgetRatio;
  printTable(
    `6. Memory (VmRSS, median of ${parameters.samples} sample(s) after ${parameters.settleMs / 1000} s idle)`,
    [
      { process: 'bare node (setInterval)', 'RSS MiB': results.bareNodeMiB, 'vs bare': 1, budget: '' },
      {
        process: 'agent, idle primary',
        'RSS MiB': results.agentIdleMiB,
        'vs bare': results.agentToBareRatio,
        budget: '≤ 1.5×',
      },
      {
        process: 'manager, no agents',
        'RSS MiB': results.managerIdleMiB,
        'vs bare': round(managerIdleKiB / bareKiB, 2),
        budget: '',
      },
      {
        process: 'manager, 1 agent',
        'RSS MiB': results.managerWithOneAgentMiB,
        'vs bare': round(managerWithAgentKiB / bareKiB, 2),
        budget: '≤ 512 MiB @ 20k agents',
      },
    ],
  );
  console.log(
    `agent idle RSS ${results.agentToBareRatio}× bare node (budget ≤ 1.5×: ${results.agentWithinBudget ? 'within' : 'OVER'}); ` +
      `RssAnon + RssFile: agent ${results.agentRssAnonMiB} + ${results.agentRssFileMiB} MiB, bare ${results.bareRssAnonMiB} + ${results.bareRssFileMiB} MiB`,
  );
  return writeResult('memory', parameters, results);
}
