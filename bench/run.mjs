#!/usr/bin/env node
/* global process, console */
// Entry: node bench/run.mjs [--quick] [--only=a,b] [--profile] [--list] — runs the built scenarios in order;
// exits non-zero only if one crashed. --profile writes a V8 CPU profile of every manager started
// to bench/results/profiles/ (open it in Chrome DevTools → Performance, or VS Code).
import path from 'node:path';
import { RESULTS_DIR, assertBuilt, cleanupAll, machine, setManagerNodeArgs } from './lib.mjs';

const quick = process.argv.includes('--quick');
if (process.argv.includes('--profile')) {
  setManagerNodeArgs(['--cpu-prof', `--cpu-prof-dir=${path.join(RESULTS_DIR, 'profiles')}`]);
}
const scenarios = [
  ['call-path', () => import('./call-path.mjs')],
  ['dispatch', () => import('./dispatch.mjs')],
  ['memory', () => import('./memory.mjs')],
  ['throughput', () => import('./throughput.mjs')],
  ['failover', () => import('./failover.mjs')],
  ['fleet', () => import('./fleet.mjs')],
];

// --list: the scenario names, one per line (scripts/test.sh checks each wrote its results).
if (process.argv.includes('--list')) {
  console.log(scenarios.map(([name]) => name).join('\n'));
  process.exit(0);
}

const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const host = machine();
console.log(
  `Outpost bench (${quick ? 'quick' : 'full'}) — ${host.cpu}, ${host.cores} cores, ${host.memoryMiB} MiB, node ${host.node}`,
);

let crashed = 0;
const stopping = async () => {
  await cleanupAll();
  process.exit(130);
};
process.once('SIGINT', stopping);
process.once('SIGTERM', stopping);

try {
  assertBuilt();
  for (const [name, load] of scenarios) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    try {
      const file = await (await load()).run({ quick });
      console.log(`wrote ${file} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      crashed += 1;
      console.error(`\nscenario ${name} crashed: ${error?.stack ?? error}`);
    } finally {
      await cleanupAll();
    }
  }
} catch (error) {
  crashed += 1;
  console.error(String(error?.message ?? error));
} finally {
  await cleanupAll();
}
process.exit(crashed ? 1 : 0);
