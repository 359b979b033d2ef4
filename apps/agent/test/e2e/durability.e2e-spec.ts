import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, builtForE2e, ManagerProcess, sleep, waitFor, waitForPrimaryToReach } from './harness';

// Agent restarts and manager outages lose nothing (needs `npm run build`; npm test builds).
describe.runIf(builtForE2e)('updates survive agent restarts and manager outages', () => {
  let manager: ManagerProcess;
  let zoneId: number;
  let agents: AgentProcess[] = [];

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    zoneId = await manager.createZone('durability');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 2 });
    agents = [
      await AgentProcess.start('p', { manager, zoneId, joinToken: secret }),
      await AgentProcess.start('s', { manager, zoneId, joinToken: secret }),
    ];
    await waitFor('two online agents', async () => {
      const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
      return list.body.items?.filter((agent: { state: string }) => agent.state === 'online').length === 2;
    });
    await waitForPrimaryToReach(manager, zoneId, agents, 1);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await manager?.close();
  });

  it('delivers every log line and the final status after the manager was down mid-task', async () => {
    const task = await manager.createTask({
      zoneId,
      name: 'through an outage',
      steps: [
        {
          seq: 1,
          commandName: 'count',
          commandType: 'inline',
          command: 'for i in $(seq 1 30); do echo "tick $i"; sleep 0.2; done; TASK_RESULT=finished',
        },
      ],
    });
    await manager.waitForTask(task.id, ['started', 'running']);
    await manager.restart(3_000); // down for 3 s while the script keeps printing
    const done = await manager.waitForTask(task.id, ['complete', 'failed'], 40_000);
    expect(done.status).toBe('complete');
    expect(done.result).toBe('finished');
    const lines = (await manager.logText(task.id)).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `tick ${i + 1}`));
  });

  it('sends what it queued before a restart once it is back, keeping its identity', async () => {
    const secondary = agents[1];
    const keyBefore = secondary.agentKey;
    const task = await manager.createTask({
      zoneId,
      name: 'graceful restart',
      agentKey: keyBefore,
      steps: [
        {
          seq: 1,
          commandName: 'count',
          commandType: 'inline',
          command: 'for i in $(seq 1 10); do echo "step $i"; sleep 0.2; done; TASK_RESULT=ok',
        },
      ],
    });
    await manager.waitForTask(task.id, ['started', 'running']);
    // SIGTERM: the agent finishes its run, then stops; its queue is on disk.
    await secondary.restart();
    await sleep(500);
    const done = await manager.waitForTask(task.id, ['complete', 'failed'], 40_000);
    expect(done.status).toBe('complete');
    expect((await manager.logText(task.id)).trim().split('\n')).toEqual(
      Array.from({ length: 10 }, (_, i) => `step ${i + 1}`),
    );
    await secondary.waitForIdentity();
    expect(secondary.agentKey).toBe(keyBefore);
  });

  it('reports a run it lost to a kill -9 as failed after restarting, and runs nothing twice', async () => {
    const secondary = agents[1];
    const task = await manager.createTask({
      zoneId,
      name: 'killed mid-run',
      agentKey: secondary.agentKey,
      steps: [{ seq: 1, commandName: 'wait', commandType: 'inline', command: 'echo begun; sleep 30' }],
    });
    await manager.waitForTask(task.id, ['started', 'running']);
    await waitFor('the first log line', async () => (await manager.logText(task.id)).includes('begun'));
    await secondary.kill9();
    secondary.launch();
    const done = await manager.waitForTask(task.id, ['failed', 'complete', 'stopped'], 40_000);
    expect(done.status).toBe('failed');
    expect(done.runs).toHaveLength(1);
    expect(done.runs[0].error).toMatch(/restart/i);
  });
});
