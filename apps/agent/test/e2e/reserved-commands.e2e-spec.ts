import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, builtForE2e, ManagerProcess, waitFor } from './harness';

// Klevr's reserved commands through the whole system: manager → primary → runner (needs a build).
describe.runIf(builtForE2e)('reserved commands on a real agent', () => {
  let manager: ManagerProcess;
  let zoneId: number;
  let agent: AgentProcess;

  const reserved = (name: string, command: string, parameter: unknown = {}) =>
    manager.createTask({
      zoneId,
      name,
      agentKey: agent.agentKey,
      parameter,
      steps: [{ seq: 1, commandName: name, commandType: 'reserved', command }],
    });

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    zoneId = await manager.createZone('reserved');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 1 });
    agent = await AgentProcess.start('solo', { manager, zoneId, joinToken: secret });
    await waitFor(
      'the agent to be primary',
      async () => (await manager.primaryOf(zoneId)) === agent.agentKey,
    );
  }, 90_000);

  afterAll(async () => {
    await agent?.close();
    await manager?.close();
  });

  it('ChangeLogLevel answers the level before and after', async () => {
    const task = await reserved('log level', 'ChangeLogLevel', { level: 'WARN' });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    expect(JSON.parse(done.result)).toEqual({ before: 'debug', current: 'warn' });
    // Back to debug: later tests read the agent's info lines.
    const back = await reserved('log level back', 'ChangeLogLevel', { level: 'debug' });
    expect(JSON.parse((await manager.waitForTask(back.id, ['complete', 'failed'])).result)).toEqual({
      before: 'warn',
      current: 'debug',
    });
  });

  it("CollectAgentLog returns the end of the agent's own log", async () => {
    const task = await reserved('collect log', 'CollectAgentLog', { sort: 'LATEST', maxBytes: 2048 });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    const result = JSON.parse(done.result);
    expect(result.logs.length).toBeGreaterThan(0);
    expect(Buffer.byteLength(result.logs)).toBeLessThanOrEqual(2048);
  });

  it('GetAgentsRunningTasks lists a running task, and StopTask stops it', async () => {
    const long = await manager.createTask({
      zoneId,
      name: 'long sleeper',
      agentKey: agent.agentKey,
      steps: [{ seq: 1, commandName: 'sleep', commandType: 'inline', command: 'sleep 600' }],
    });
    await manager.waitForTask(long.id, ['started', 'running']);
    const listing = await reserved('running tasks', 'GetAgentsRunningTasks');
    const listed = await manager.waitForTask(listing.id, ['complete', 'failed']);
    expect(listed.status).toBe('complete');
    expect(JSON.parse(listed.result).runningTasks.map((task: { id: number }) => task.id)).toContain(long.id);

    const stop = await reserved('stop it', 'StopTask', { targetTaskId: long.id });
    const stopped = await manager.waitForTask(stop.id, ['complete', 'failed']);
    expect(JSON.parse(stopped.result)).toEqual({ stopTaskResult: 'SUCCESS' });
    expect((await manager.waitForTask(long.id, ['stopped', 'failed', 'complete'])).status).toBe('stopped');

    const missing = await reserved('stop nothing', 'StopTask', { targetTaskId: 999_999 });
    expect(JSON.parse((await manager.waitForTask(missing.id, ['complete', 'failed'])).result)).toEqual({
      stopTaskResult: 'NOT_EXIST',
    });
  });

  it('ForceShutdownAgent reports its completion, then a second agent stops at once', async () => {
    const { secret } = await manager.joinToken(zoneId, { maxUses: 1 });
    const victim = await AgentProcess.start('victim', { manager, zoneId, joinToken: secret });
    try {
      await waitFor('the second agent online', async () => {
        const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
        return list.body.items.some(
          (row: { agentKey: string; state: string }) =>
            row.agentKey === victim.agentKey && row.state === 'online',
        );
      });
      await waitFor('the primary to reach it', async () => agent.reachedMembers() >= 1);
      const task = await manager.createTask({
        zoneId,
        name: 'force',
        agentKey: victim.agentKey,
        steps: [{ seq: 1, commandName: 'force', commandType: 'reserved', command: 'ForceShutdownAgent' }],
      });
      expect((await manager.waitForTask(task.id, ['complete', 'failed'])).status).toBe('complete');
      await waitFor('the second agent to exit', async () => !victim.process.running, 20_000);
    } finally {
      await victim.close();
    }
  });

  it('GracefulShutdownAgent completes, then the agent process exits cleanly', async () => {
    const task = await reserved('shut down', 'GracefulShutdownAgent', { timeoutSeconds: 5 });
    expect((await manager.waitForTask(task.id, ['complete', 'failed'])).status).toBe('complete');
    const code = await waitFor(
      'the agent to exit',
      async () => (agent.process.running ? undefined : { code: agent.process.child?.exitCode }),
      20_000,
    );
    expect(code.code).toBe(0);
  });
});
