import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, builtForE2e, ManagerProcess, waitFor, waitForPrimaryToReach } from './harness';

const countLines = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

// Kill -9 the primary while tasks run (needs `npm run build`; npm test builds).
describe.runIf(builtForE2e)('failover when the primary dies', () => {
  let manager: ManagerProcess;
  let zoneId: number;
  let agents: AgentProcess[] = [];
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-failover-'));

  beforeAll(async () => {
    // The shipped default timings: the failover budget (<= 10 s) must hold for them.
    manager = await ManagerProcess.start({}, { defaultTimings: true });
    zoneId = await manager.createZone('failover');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 3 });
    agents = [
      await AgentProcess.start('a', { manager, zoneId, joinToken: secret }),
      await AgentProcess.start('b', { manager, zoneId, joinToken: secret }),
      await AgentProcess.start('c', { manager, zoneId, joinToken: secret }),
    ];
    await waitFor('three online agents', async () => {
      const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
      return list.body.items?.filter((agent: { state: string }) => agent.state === 'online').length === 3;
    });
    await waitForPrimaryToReach(manager, zoneId, agents, 2);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await manager?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('elects a secondary within 10 s; no task is lost, none runs twice, the old primary comes back as secondary', async () => {
    const oldPrimaryKey = await waitFor('a primary', () => manager.primaryOf(zoneId));
    const oldPrimary = agents.find((agent) => agent.agentKey === oldPrimaryKey)!;
    const secondaries = agents.filter((agent) => agent !== oldPrimary);
    const epochBefore = (await manager.api('GET', `/api/v1/zones/${zoneId}/primary`)).body.epoch;

    // Work running on the secondaries while the primary dies, and work queued behind it.
    const marker = (name: string) => path.join(scratch, `${name}.runs`);
    const running = [];
    for (const [index, secondary] of secondaries.entries()) {
      running.push(
        await manager.createTask({
          zoneId,
          name: `running-${index}`,
          agentKey: secondary.agentKey,
          steps: [
            {
              seq: 1,
              commandName: 'work',
              commandType: 'inline',
              command: `echo run >> ${marker(`running-${index}`)}; sleep 4; TASK_RESULT=done`,
            },
          ],
        }),
      );
    }
    await Promise.all(running.map((task) => manager.waitForTask(task.id, ['started', 'running'])));

    await oldPrimary.kill9();
    const killedAt = Date.now();
    const queued = [];
    for (let index = 0; index < 4; index++) {
      queued.push(
        await manager.createTask({
          zoneId,
          name: `queued-${index}`,
          steps: [
            {
              seq: 1,
              commandName: 'work',
              commandType: 'inline',
              command: `echo run >> ${marker(`queued-${index}`)}; TASK_RESULT=done`,
            },
          ],
        }),
      );
    }

    const newPrimaryKey = await waitFor(
      'a new primary',
      async () => {
        const key = await manager.primaryOf(zoneId);
        return key && key !== oldPrimaryKey ? key : undefined;
      },
      15_000,
      100,
    );
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs).toBeLessThanOrEqual(10_000);
    expect(secondaries.map((agent) => agent.agentKey)).toContain(newPrimaryKey);
    expect((await manager.api('GET', `/api/v1/zones/${zoneId}/primary`)).body.epoch).toBeGreaterThan(
      epochBefore,
    );

    for (const task of [...running, ...queued]) {
      const done = await manager.waitForTask(task.id, ['complete', 'failed', 'stopped', 'timeout'], 30_000);
      expect(done.status, task.name).toBe('complete');
    }
    for (const task of [...running, ...queued]) expect(countLines(marker(task.name)), task.name).toBe(1);

    const history = (await manager.api('GET', `/api/v1/zones/${zoneId}/elections`)).body.items;
    expect(history[0]).toMatchObject({ agentKey: newPrimaryKey, previousAgentKey: oldPrimaryKey });

    // The old primary restarts on its state dir: same identity, and it must not take the zone back.
    oldPrimary.launch();
    await waitFor('the old primary to be back online', async () => {
      const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
      const row = list.body.items.find((agent: { agentKey: string }) => agent.agentKey === oldPrimaryKey);
      return row?.state === 'online' ? row : undefined;
    });
    expect(await manager.primaryOf(zoneId)).toBe(newPrimaryKey);
  });

  it('refuses the late calls of a frozen primary once the lease moved on, and the old primary demotes itself', async () => {
    const primaryKey = await waitFor('a primary', () => manager.primaryOf(zoneId));
    const frozen = agents.find((agent) => agent.agentKey === primaryKey)!;
    frozen.process.child!.kill('SIGSTOP');
    const successor = await waitFor(
      'another primary',
      async () => {
        const key = await manager.primaryOf(zoneId);
        return key && key !== primaryKey ? key : undefined;
      },
      15_000,
    );
    frozen.process.child!.kill('SIGCONT');
    // Its next poll carries the old epoch: refused, so it demotes and follows the successor.
    await waitFor(
      'the thawed agent to demote itself',
      async () => /stepping down/i.test(frozen.process.output),
      15_000,
    );
    expect(await manager.primaryOf(zoneId)).toBe(successor);
    const task = await manager.createTask({
      zoneId,
      name: 'after-thaw',
      steps: [{ seq: 1, commandName: 'work', commandType: 'inline', command: 'TASK_RESULT=ok' }],
    });
    expect((await manager.waitForTask(task.id, ['complete', 'failed'])).status).toBe('complete');
  });
});
