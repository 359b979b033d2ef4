import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentProcess,
  builtForE2e,
  ManagerProcess,
  ManagerProxy,
  waitFor,
  waitForPrimaryToReach,
} from './harness';

const linesOf = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

// The window that used to run a step twice: a primary starts its own run and dies before its
// "started" report reaches the manager. The proxy in front of primary A refuses every report, so
// the manager never hears that the run started; A is then killed -9 while the step runs.
describe.runIf(builtForE2e)('a primary killed after starting its own run, before reporting it', () => {
  let manager: ManagerProcess;
  let proxy: ManagerProxy;
  const agents: AgentProcess[] = [];
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-at-most-once-'));

  beforeAll(async () => {
    // Liveness and heartbeat timeouts as short as the config allows, so the lost agent's run is
    // judged within seconds.
    manager = await ManagerProcess.start({
      OUTPOST_AGENT_SUSPECT_AFTER_MS: '12000',
      OUTPOST_AGENT_OFFLINE_AFTER_MS: '14000',
      OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS: '12000',
    });
    proxy = new ManagerProxy(manager.url, ({ method, path }) =>
      method === 'POST' && path === '/agent/v1/report'
        ? {
            status: 503,
            body: { code: 'SERVICE_UNAVAILABLE', message: 'lost on the way', requestId: 'proxy' },
          }
        : 'pass',
    );
    await proxy.start();
  });

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await proxy?.close();
    await manager?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('never runs the step again: the accepted run is failed as agent lost, not handed to the new primary', async () => {
    const zoneId = await manager.createZone('at-most-once');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 2 });
    const a = await AgentProcess.start('a', { manager, managerUrl: proxy.url, zoneId, joinToken: secret });
    agents.push(a);
    await waitFor('A to be the primary', async () => (await manager.primaryOf(zoneId)) === a.agentKey);

    // A is the zone's only agent, so the task (any agent) is A's own run.
    const marker = path.join(scratch, 'step.runs');
    const task = await manager.createTask({
      zoneId,
      name: 'once',
      steps: [
        {
          seq: 1,
          commandName: 'work',
          commandType: 'inline',
          command: `echo run >> ${marker}; sleep 20; TASK_RESULT=done`,
        },
      ],
    });
    await waitFor('the step to start on A', async () => linesOf(marker).length === 1, 20_000);
    const accepted = await manager.task(task.id);
    // Accepted (wait-exec) but never reported started: the reports are lost on the way.
    expect(accepted.runs.map((run: { status: string }) => run.status)).toEqual(['wait-exec']);

    const b = await AgentProcess.start('b', { manager, zoneId, joinToken: secret });
    agents.push(b);
    await waitForPrimaryToReach(manager, zoneId, agents, 1);
    await a.kill9();
    await waitFor(
      'B to be the primary',
      async () => (await manager.primaryOf(zoneId)) === b.agentKey,
      20_000,
    );

    const ended = await manager.waitForTask(task.id, ['complete', 'failed', 'stopped', 'timeout'], 60_000);
    expect(ended.status).toBe('failed');
    expect(ended.runs).toHaveLength(1);
    expect(ended.runs[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^agent lost/) });
    // Before the fix the run was still "hand-over" for the manager: after one lease TTL it was
    // handed to B, which ran the step a second time. Give B that long and more.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(linesOf(marker)).toEqual(['run']);
  });
});
