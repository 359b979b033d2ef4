import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportItem } from '@outpost/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESTARTED_DURING_RUN } from '../src/agent';
import { JoinRefusedError } from '../src/joining';
import { RootLogger } from '../src/log/logger';
import { ReportQueue } from '../src/state/report-queue';
import { assignmentFor, FakeManager } from './support/fake-manager';
import { AgentHarness, delay, waitFor } from './support/harness';

const keys = (items: ReportItem[]): string[] =>
  items.map((i) => `${i.runId}:${i.seq}:${i.kind === 'log' ? i.content : i.status}`);

describe('reporting (against a fake manager)', () => {
  let manager: FakeManager;
  let agents: AgentHarness;

  beforeEach(async () => {
    manager = new FakeManager();
    await manager.start();
    agents = new AgentHarness(manager);
  });
  afterEach(async () => {
    await agents.cleanup();
    await manager.close();
    expect(manager.violations).toEqual([]);
  });

  async function primaryAgent() {
    const agent = await agents.start();
    await waitFor(() => agent.handle.status().role === 'primary', 'primary');
    return agent;
  }

  it('reports status and log items in order with per-run sequence numbers, then empties its queue', async () => {
    const a = await primaryAgent();
    a.runner.onStart = (assignment, runner) => {
      runner.emit({
        kind: 'status',
        runId: assignment.runId,
        status: 'started',
        currentStep: 1,
        failedStep: null,
        result: null,
        error: null,
      });
      runner.log(assignment.runId, 'hello');
      runner.end(assignment.runId);
    };
    manager.assign(assignmentFor(a.handle.agentKey, 11));
    await waitFor(() => manager.accepted.length === 3, 'three items');
    expect(keys(manager.accepted)).toEqual(['11:1:started', '11:2:hello', '11:3:complete']);
    await waitFor(() => a.handle.status().queueDepth === 0, 'empty queue');
    expect(a.handle.status().heldRuns).toBe(0);
  });

  it('heartbeats running runs at least every heartbeatIntervalMs', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 12));
    await waitFor(() => a.runner.started.length === 1, 'started');
    const from = Date.now();
    await delay(1_100);
    const beats = manager.callsOf('agentReport', a.handle.agentKey).filter((c) => c.at >= from);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    for (const beat of beats) expect((beat.body as { runningRunIds: number[] }).runningRunIds).toEqual([12]);
    // Nothing running and nothing queued: no more reports.
    a.runner.end(12);
    await waitFor(() => a.handle.status().queueDepth === 0, 'empty queue');
    await delay(100);
    const quietFrom = Date.now();
    await delay(600);
    expect(manager.callsOf('agentReport', a.handle.agentKey).filter((c) => c.at >= quietFrom)).toEqual([]);
  });

  it('applies cancels carried by the report reply', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 13));
    await waitFor(() => a.runner.started.length === 1, 'started');
    manager.reportCancels.set(a.handle.agentKey, [13]);
    await waitFor(() => a.runner.canceled.includes(13), 'canceled');
    await waitFor(
      () => manager.accepted.some((i) => i.runId === 13 && i.kind === 'status' && i.status === 'stopped'),
      'stopped reported',
    );
  });

  it('drops rejected items with a log line and delivers the others', async () => {
    const a = await primaryAgent();
    manager.rejectItem = (item) => (item.runId === 21 ? 'run 21 was reaped' : null);
    manager.assign(assignmentFor(a.handle.agentKey, 21));
    manager.assign(assignmentFor(a.handle.agentKey, 22));
    await waitFor(() => a.runner.started.length === 2, 'both started');
    for (let i = 0; i < 3; i += 1) {
      a.runner.log(21, `bad ${i}`);
      a.runner.log(22, `good ${i}`);
    }
    a.runner.end(21);
    a.runner.end(22);
    await waitFor(() => a.handle.status().queueDepth === 0, 'queue drained');
    expect(keys(manager.accepted)).toEqual([
      '22:1:started',
      '22:2:good 0',
      '22:3:good 1',
      '22:4:good 2',
      '22:5:complete',
    ]);
    // Each rejected item was sent exactly once.
    const sent21 = manager
      .callsOf('agentReport')
      .flatMap((c) => (c.body as { items: ReportItem[] }).items)
      .filter((i) => i.runId === 21);
    expect(sent21.map((i) => i.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('drops an item the manager refuses as invalid without blocking the rest', async () => {
    const a = await primaryAgent();
    manager.override = (route, _agent, body) => {
      const items = route === 'agentReport' ? (body as { items: ReportItem[] }).items : [];
      const bad = items.findIndex((i) => i.kind === 'log' && i.content === 'poison');
      if (bad < 0) return undefined;
      return {
        status: 400,
        body: {
          code: 'VALIDATION_FAILED',
          message: 'invalid',
          requestId: 'r',
          details: [{ path: `items.${bad}.content`, message: 'bad' }],
        },
      };
    };
    manager.assign(assignmentFor(a.handle.agentKey, 23));
    await waitFor(() => a.runner.started.length === 1, 'started');
    a.runner.log(23, 'poison');
    a.runner.log(23, 'fine');
    a.runner.end(23);
    await waitFor(() => a.handle.status().queueDepth === 0, 'queue drained');
    expect(keys(manager.accepted)).toEqual(['23:1:started', '23:3:fine', '23:4:complete']);
  });

  it('keeps running and queueing through a manager outage, then delivers everything', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 31));
    await waitFor(() => manager.accepted.length === 1, 'started reported');
    manager.override = () => ({
      status: 503,
      body: { code: 'SERVICE_UNAVAILABLE', message: 'down', requestId: 'r' },
    });
    for (let i = 0; i < 5; i += 1) a.runner.log(31, `during outage ${i}`);
    await delay(800);
    expect(a.handle.status().queueDepth).toBe(5);
    expect(a.fatal).toEqual([]);
    manager.override = null;
    await waitFor(() => a.handle.status().queueDepth === 0, 'queue drained after the outage');
    expect(keys(manager.accepted).slice(1)).toEqual(
      [2, 3, 4, 5, 6].map((seq, i) => `31:${seq}:during outage ${i}`),
    );
  });

  it('re-sends unacknowledged items after a restart on the same state dir', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 41));
    await waitFor(() => manager.accepted.length === 1, 'started reported');
    manager.override = (route) =>
      route === 'agentReport'
        ? { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'down', requestId: 'r' } }
        : undefined;
    a.runner.log(41, 'one');
    a.runner.log(41, 'two');
    a.runner.end(41);
    await waitFor(() => manager.callsOf('agentReport').some((c) => c.status === 503), 'a failed report');
    await a.handle.stop();
    expect(manager.accepted).toHaveLength(1);

    manager.override = null;
    const again = await agents.start({ stateDir: a.stateDir });
    await waitFor(() => manager.accepted.length === 4, 'items re-sent by the new daemon');
    expect(keys(manager.accepted)).toEqual(['41:1:started', '41:2:one', '41:3:two', '41:4:complete']);
    await waitFor(() => again.handle.status().queueDepth === 0, 'acked');
    // The finished run is remembered: delivered again, it is refused.
    manager.assign(assignmentFor(again.handle.agentKey, 41));
    await delay(300);
    expect(again.runner.started).toEqual([]);
  });

  it('reports a run interrupted by an agent crash as failed when it starts again', async () => {
    const first = await agents.start();
    await waitFor(() => first.handle.status().role === 'primary', 'primary');
    const { agentKey } = first.handle;
    await first.handle.stop();
    // What a crash leaves behind: the run held, its "started" item acked, no end.
    const logger = new RootLogger({ level: 'error', stdout: false });
    const queue = await ReportQueue.open(first.stateDir, { logger });
    queue.hold(51, 510);
    const started = queue.enqueue({
      kind: 'status',
      runId: 51,
      status: 'started',
      currentStep: 2,
      failedStep: null,
      result: null,
      error: null,
      at: new Date().toISOString(),
    });
    await queue.flush();
    queue.ack([started]);
    await queue.close();

    const again = await agents.start({ stateDir: first.stateDir });
    expect(again.handle.agentKey).toBe(agentKey);
    await waitFor(() => manager.accepted.some((i) => i.runId === 51), 'failure reported');
    expect(manager.accepted.filter((i) => i.runId === 51)).toEqual([
      expect.objectContaining({
        kind: 'status',
        seq: 2,
        status: 'failed',
        error: RESTARTED_DURING_RUN,
        currentStep: 2,
      }),
    ]);
    expect(again.handle.status().heldRuns).toBe(0);
    manager.assign(assignmentFor(agentKey, 51));
    await delay(300);
    expect(again.runner.started).toEqual([]);
  });

  it('renews its session after a 401 and carries on', async () => {
    const a = await primaryAgent();
    const sessions = manager.callsOf('agentSession').length;
    manager.revokeSessions();
    manager.assign(assignmentFor(a.handle.agentKey, 61));
    await waitFor(() => a.runner.started.length === 1, 'started after renewal');
    await waitFor(() => manager.accepted.some((i) => i.runId === 61), 'reported after renewal');
    expect(manager.callsOf('agentSession').length).toBe(sessions + 1);
  });

  it('refuses to start with a wrong API key, naming the flags, and creates no identity', async () => {
    const dir = await agents.stateDir();
    await expect(agents.start({ stateDir: dir, apiKey: 'wrong-key-000000' })).rejects.toBeInstanceOf(
      JoinRefusedError,
    );
    await expect(agents.start({ stateDir: dir, apiKey: 'wrong-key-000000' })).rejects.toThrow(/--api-key/);
    const again = await agents.start({ stateDir: dir });
    expect(again.handle.agentKey).toMatch(/^agent-/);
  });

  it('shuts down gracefully when a task asks for it: waits for runs, reports, then exits 0', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 71));
    await waitFor(() => a.runner.started.length === 1, 'started');
    a.runner.deps.controls.shutdown('graceful', 5);
    await delay(100);
    expect(a.exits).toEqual([]);
    a.runner.end(71);
    await waitFor(() => a.exits.length === 1, 'exit');
    expect(a.exits).toEqual([0]);
    expect(keys(manager.accepted)).toEqual(['71:1:started', '71:2:complete']);
  });

  it('force shutdown kills the runs and still reports their end', async () => {
    const a = await primaryAgent();
    manager.assign(assignmentFor(a.handle.agentKey, 72));
    await waitFor(() => a.runner.started.length === 1, 'started');
    a.runner.deps.controls.shutdown('force', 0);
    await waitFor(() => a.exits.length === 1, 'exit');
    expect(keys(manager.accepted)).toEqual(['72:1:started', '72:2:stopped']);
  });

  it('keeps identity.json private', async () => {
    const a = await primaryAgent();
    expect((await stat(join(a.stateDir, 'identity.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(a.stateDir)).mode & 0o777).toBe(0o700);
  });
});
