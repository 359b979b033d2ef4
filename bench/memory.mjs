/* global console */
// Scenario 6: idle agent RSS next to a bare node process; manager RSS idle and with one agent.
import {
  Manager,
  NodeProcess,
  printTable,
  round,
  rssKiB,
  sleep,
  startAgent,
  waitForPrimary,
  writeResult,
} from './lib.mjs';

const mib = (kib) => round(kib / 1024, 1);

export async function run({ quick }) {
  const parameters = { settleMs: 5_000, samples: quick ? 1 : 5, sampleEveryMs: 1_000 };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const sampleRss = async (pid) => {
    const values = [];
    for (let i = 0; i < parameters.samples; i += 1) {
      if (i > 0) await sleep(parameters.sampleEveryMs);
      values.push(rssKiB(pid));
    }
    return median(values);
  };

  const manager = await Manager.start();
  const bare = new NodeProcess(['-e', 'setInterval(() => {}, 1000)']);
  await sleep(parameters.settleMs);
  const managerIdleKiB = await sampleRss(manager.process.pid);

  const zoneId = await manager.createZone('bench-memory');
  const agent = await startAgent(manager, zoneId, await manager.joinToken(zoneId, 1));
  await waitForPrimary(manager, zoneId, agent.agentKey);
  await sleep(parameters.settleMs);
  const [agentKiB, bareKiB, managerWithAgentKiB] = await Promise.all([
    sampleRss(agent.pid),
    sampleRss(bare.pid),
    sampleRss(manager.process.pid),
  ]);
  await agent.stop();
  await bare.stop();
  await manager.process.stop();

  const results = {
    agentIdleMiB: mib(agentKiB),
    bareNodeMiB: mib(bareKiB),
    agentToBareRatio: round(agentKiB / bareKiB, 2),
    agentBudgetRatio: 1.5,
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
    `agent idle RSS ${results.agentToBareRatio}× bare node (budget ≤ 1.5×: ${results.agentWithinBudget ? 'within' : 'OVER'})`,
  );
  return writeResult('memory', parameters, results);
}
