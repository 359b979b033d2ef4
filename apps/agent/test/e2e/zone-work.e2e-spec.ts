import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess, builtForE2e, ManagerProcess, waitFor, waitForPrimaryToReach } from './harness';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// A real manager and three real agent processes on loopback (needs `npm run build`; npm test builds).
describe.runIf(builtForE2e)('a zone of three agents running work', () => {
  let manager: ManagerProcess;
  let zoneId: number;
  const agents: AgentProcess[] = [];
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'outpost-e2e-scratch-'));
  let primaryKey: string;
  const keyOf = (name: string) => agents.find((agent) => agent.name === name)!.agentKey;
  const inline = (seq: number, command: string, extra: Record<string, unknown> = {}) => ({
    seq,
    commandName: `step ${seq}`,
    commandType: 'inline',
    command,
    ...extra,
  });

  beforeAll(async () => {
    manager = await ManagerProcess.start();
    zoneId = await manager.createZone('e2e-zone');
    const { secret } = await manager.joinToken(zoneId, { maxUses: 3 });
    agents.push(
      await AgentProcess.start('web-1', { manager, zoneId, joinToken: secret, labels: 'role=web' }),
    );
    agents.push(await AgentProcess.start('db-1', { manager, zoneId, joinToken: secret, labels: 'role=db' }));
    agents.push(
      await AgentProcess.start('web-2', { manager, zoneId, joinToken: secret, labels: 'role=web' }),
    );
    await waitFor('three online agents', async () => {
      const list = await manager.api('GET', `/api/v1/zones/${zoneId}/agents`);
      return list.body.items?.filter((agent: { state: string }) => agent.state === 'online').length === 3;
    });
    primaryKey = await waitFor('a primary', () => manager.primaryOf(zoneId));
    await waitForPrimaryToReach(manager, zoneId, agents, 2);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await manager?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('elects exactly one primary and lists every agent with key, LAN address, port, state and role', async () => {
    const list = (await manager.api('GET', `/inner/groups/${zoneId}/agents`)).body.items;
    expect(list.filter((agent: { role: string }) => agent.role === 'primary')).toHaveLength(1);
    for (const agent of agents) {
      const row = list.find((item: { agentKey: string }) => item.agentKey === agent.agentKey);
      expect(row).toMatchObject({ ip: '127.0.0.1', port: agent.lanPort, state: 'online' });
    }
    const primary = (await manager.api('GET', `/inner/groups/${zoneId}/primary`)).body;
    expect(primary.agent.agentKey).toBe(primaryKey);
    expect(primary.epoch).toBeGreaterThanOrEqual(1);
  });

  it('chains step results through $TASK_RESULT and reports the last one', async () => {
    const task = await manager.createTask({
      zoneId,
      name: 'chain',
      parameter: 'start',
      steps: [
        inline(1, 'TASK_RESULT="$TASK_ORIGIN_PARAM-a"'),
        inline(2, 'TASK_RESULT="$TASK_RESULT-b"'),
        inline(3, 'TASK_RESULT="$TASK_RESULT-c"'),
      ],
    });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    expect(done.result).toBe('start-a-b-c');
    expect(done.currentStep).toBe(3);
  });

  it('runs an "any" task on an idle secondary rather than always on the primary', async () => {
    const task = await manager.createTask({ zoneId, name: 'any', steps: [inline(1, 'TASK_RESULT=ok')] });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    expect(done.exeAgentKey).not.toBe(primaryKey);
  });

  it("runs a task on the agent it targets, also through Klevr's agentKey field", async () => {
    const target = keyOf('db-1');
    const task = await manager.createTask({
      zoneId,
      name: 'one agent',
      agentKey: target,
      steps: [inline(1, 'TASK_RESULT=$(hostname)')],
    });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    expect(done.exeAgentKey).toBe(target);
  });

  it('runs an "all" task once on every agent and a labels task on the matching ones', async () => {
    const all = await manager.createTask({
      zoneId,
      name: 'all',
      target: { kind: 'all' },
      steps: [inline(1, 'TASK_RESULT=here')],
    });
    const web = await manager.createTask({
      zoneId,
      name: 'web',
      target: { kind: 'labels', labels: { role: 'web' } },
      steps: [inline(1, 'TASK_RESULT=web')],
    });
    const allDone = await manager.waitForTask(all.id, ['complete', 'failed']);
    const webDone = await manager.waitForTask(web.id, ['complete', 'failed']);
    expect(allDone.status).toBe('complete');
    expect(new Set(allDone.runs.map((run: { agentKey: string }) => run.agentKey))).toEqual(
      new Set(agents.map((a) => a.agentKey)),
    );
    expect(webDone.status).toBe('complete');
    expect(new Set(webDone.runs.map((run: { agentKey: string }) => run.agentKey))).toEqual(
      new Set([keyOf('web-1'), keyOf('web-2')]),
    );
  });

  it('runs the recover step after a failing step and ends failed with its result', async () => {
    const task = await manager.createTask({
      zoneId,
      name: 'recover',
      steps: [
        inline(1, 'TASK_RESULT=one'),
        inline(2, 'echo broken >&2; exit 3'),
        inline(3, 'TASK_RESULT="recovered-from-$TASK_RESULT"', { isRecover: true }),
      ],
    });
    const done = await manager.waitForTask(task.id, ['failed', 'failed-recover', 'complete']);
    expect(done.status).toBe('failed');
    expect(done.failedStep).toBe(2);
    expect(done.result).toBe('recovered-from-one');
    expect(await manager.logText(task.id)).toContain('broken');
  });

  it('kills the whole process group, sleep child included, when the timeout passes', async () => {
    const pidFile = path.join(scratch, 'timeout.pid');
    const task = await manager.createTask({
      zoneId,
      name: 'timeout',
      timeout: 2,
      steps: [inline(1, `sleep 600 & echo $! > ${pidFile}; wait`)],
    });
    const done = await manager.waitForTask(task.id, ['timeout', 'complete', 'failed', 'stopped']);
    expect(done.status).toBe('timeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor('the sleep child to be gone', async () => !isAlive(pid), 10_000);
  });

  it('cancels a running task: the agent kills its process group and the task ends stopped', async () => {
    const pidFile = path.join(scratch, 'cancel.pid');
    const task = await manager.createTask({
      zoneId,
      name: 'long',
      steps: [inline(1, `sleep 600 & echo $! > ${pidFile}; wait`)],
    });
    await manager.waitForTask(task.id, ['started', 'running']);
    await waitFor('the sleep child to start', async () => existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const canceled = await manager.api('DELETE', `/api/v1/tasks/${task.id}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('stopped');
    await waitFor('the sleep child to be killed', async () => !isAlive(pid), 10_000);
    const run = await waitFor('the run to report stopped', async () => {
      const detail = await manager.task(task.id);
      return detail.runs[0]?.status === 'stopped' ? detail.runs[0] : undefined;
    });
    expect(run.finishedAt).not.toBeNull();
  });

  it('injects credentials into the environment and the parameter, and masks them in logs and results', async () => {
    const secretValue = 'pa55-word-never-shown';
    expect(
      (
        await manager.api('POST', `/api/v1/zones/${zoneId}/credentials`, {
          key: 'DB_PASSWORD',
          value: secretValue,
        })
      ).status,
    ).toBe(201);
    const task = await manager.createTask({
      zoneId,
      name: 'credentials',
      parameter: '{"password":"{{DB_PASSWORD}}"}',
      steps: [
        inline(1, 'echo "env=$DB_PASSWORD"; echo "param=$TASK_ORIGIN_PARAM"; TASK_RESULT="$DB_PASSWORD"'),
      ],
    });
    const done = await manager.waitForTask(task.id, ['complete', 'failed']);
    expect(done.status).toBe('complete');
    const logs = await manager.logText(task.id);
    expect(logs).toContain('env=***');
    expect(logs).toContain('param={"password":"***"}');
    expect(JSON.stringify(done) + logs).not.toContain(secretValue);
    expect(done.parameter).toBe('{"password":"{{DB_PASSWORD}}"}');
  });

  it('streams the log while the step runs, in order', async () => {
    const task = await manager.createTask({
      zoneId,
      name: 'stream',
      steps: [inline(1, 'for i in $(seq 1 40); do echo "line $i"; sleep 0.1; done')],
    });
    const seenWhileRunning = await waitFor(
      'log lines while the task runs',
      async () => {
        const detail = await manager.task(task.id);
        const text = await manager.logText(task.id);
        return detail.status !== 'complete' && text.includes('line 3') ? text : undefined;
      },
      20_000,
      100,
    );
    expect(seenWhileRunning).not.toContain('line 40');
    await manager.waitForTask(task.id, ['complete']);
    const lines = (await manager.logText(task.id)).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
  });
});
