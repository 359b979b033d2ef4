/* global console */
// Scenario 3: task created through the inner API -> first step started on an idle agent
// (full: 1,000 samples, the count; quick: 5).
import {
  Manager,
  percentile,
  printTable,
  round,
  sleep,
  startAgent,
  waitFor,
  waitForPrimary,
  writeResult,
} from './lib.mjs';

export async function run({ quick }) {
  // The pause after a task finished lets the agent settle back into its held poll (it re-polls as
  // soon as it took the assignment, and has reported the run by the time the task reads finished);
  // it is kept short so that 1,000 samples take a few minutes, not a quarter of an hour.
  const parameters = {
    samples: quick ? 5 : 1_000,
    idleBetweenMs: 100,
    startPollEveryMs: 5,
    finishPollEveryMs: 20,
    managerEnv: {},
  };
  const manager = await Manager.start(parameters.managerEnv);
  const zoneId = await manager.createZone('bench-dispatch');
  const agent = await startAgent(manager, zoneId, await manager.joinToken(zoneId, 1));
  await waitForPrimary(manager, zoneId, agent.agentKey);
  await sleep(1_000); // let the agent settle into its idle poll

  const samples = [];
  const startedAt = Date.now();
  for (let i = 0; i < parameters.samples; i += 1) {
    const created = await manager.ok('POST', '/api/v1/tasks', {
      zoneId,
      name: `dispatch-${i}`,
      steps: [{ seq: 1, commandName: 'noop', commandType: 'inline', command: 'true' }],
    });
    const task = await waitFor(
      `task ${created.id} to start`,
      async () => {
        const current = await manager.ok('GET', `/api/v1/tasks/${created.id}`);
        return current.runs?.[0]?.startedAt ? current : undefined;
      },
      30_000,
      parameters.startPollEveryMs,
    );
    // Both timestamps are the manager's answer; manager and agent share this machine's clock.
    samples.push(Date.parse(task.runs[0].startedAt) - Date.parse(task.createdAt));
    await waitFor(
      `task ${created.id} to finish`,
      async () => {
        const current = await manager.ok('GET', `/api/v1/tasks/${created.id}`);
        return ['complete', 'failed', 'cancelled', 'timeout'].includes(current.status);
      },
      30_000,
      parameters.finishPollEveryMs,
    );
    await sleep(parameters.idleBetweenMs); // the agent is idle again before the next task
    if (!quick && (i + 1) % 100 === 0) {
      const sorted = [...samples].sort((a, b) => a - b);
      console.log(
        `  ${i + 1}/${parameters.samples} samples, ${round((Date.now() - startedAt) / 1000, 1)} s, p50 so far ${percentile(sorted, 50)} ms`,
      );
    }
  }
  const elapsedS = round((Date.now() - startedAt) / 1000, 1);
  await agent.stop();
  await manager.process.stop();

  const results = {
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    elapsedS,
    budgetP50Ms: 100,
    budgetP99Ms: 500,
    allMs: samples,
  };
  results.p50Ratio = round(results.p50Ms / results.budgetP50Ms, 2);
  results.p99Ratio = round(results.p99Ms / results.budgetP99Ms, 2);
  results.withinBudget = results.p50Ratio <= 1 && results.p99Ratio <= 1;
  printTable(`3. Dispatch latency: created -> first step started, idle agent, ${samples.length} samples`, [
    { metric: 'p50', ms: results.p50Ms, budget: 100, 'ratio to budget': results.p50Ratio },
    { metric: 'p99', ms: results.p99Ms, budget: 500, 'ratio to budget': results.p99Ratio },
    { metric: 'min / max', ms: `${results.minMs} / ${results.maxMs}`, budget: '', 'ratio to budget': '' },
  ]);
  console.log(
    `within budget: ${results.withinBudget ? 'yes' : 'NO'} (ratio ≤ 1 is within); ${samples.length} samples in ${elapsedS} s`,
  );
  return writeResult('dispatch', parameters, results);
}
