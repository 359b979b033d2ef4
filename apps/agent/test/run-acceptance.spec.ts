import { describe, expect, it } from 'vitest';
import { LanClient } from '../src/lan/lan-client';
import { lanKeyFromSecret } from '../src/lan/lan-signature';
import { assignmentFor } from './support/fake-manager';
import { delay, fakeWorldPerTest, waitFor } from './support/harness';

/**
 * At most once: an agent starts a run only after the manager recorded its acceptance
 * (`POST /agent/v1/runs/:runId/accept`). The manager hands out again only runs nobody accepted,
 * so a crash between starting a run and reporting it cannot run it twice.
 */
describe('run acceptance (against a fake manager)', () => {
  const world = fakeWorldPerTest();

  it("accepts the primary's own run at the manager before starting it", async () => {
    const a = await world.agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    const startedWhenAccepted: number[] = [];
    world.manager.override = (route) => {
      if (route === 'agentAcceptRun') startedWhenAccepted.push(a.runner.started.length);
      return undefined;
    };
    world.manager.assign(assignmentFor(a.handle.agentKey, 31));
    await waitFor(() => a.runner.started.length === 1, 'started');
    expect(startedWhenAccepted).toEqual([0]);
    expect(world.manager.acceptedRuns.has(31)).toBe(true);
    // The run started is the manager's answer to the acceptance, credentials included.
    expect(a.runner.started[0]).toMatchObject({
      runId: 31,
      credentials: { DB_PASSWORD: 'secret-value-1234' },
    });
  });

  it('does not start a run whose acceptance the manager refuses, and asks again when it is handed again', async () => {
    const a = await world.agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    let refuse = true;
    world.manager.override = (route) =>
      route === 'agentAcceptRun' && refuse
        ? {
            status: 409,
            body: { code: 'INVALID_TRANSITION', message: 'Run 32 is already started', requestId: 't' },
          }
        : undefined;
    world.manager.assign(assignmentFor(a.handle.agentKey, 32));
    await waitFor(() => world.manager.callsOf('agentAcceptRun').length === 1, 'acceptance asked');
    await delay(300);
    expect(a.runner.started).toEqual([]);
    expect(world.manager.callsOf('agentAcceptRun').map((call) => call.status)).toEqual([409]);
    // A refused run is not remembered as held: handed again (say after a rescue), it is accepted.
    refuse = false;
    world.manager.assign(assignmentFor(a.handle.agentKey, 32));
    await waitFor(() => a.runner.started.length === 1, 'started after the second hand-over');
  });

  it('retries an acceptance whose answer was lost, and starts the run once', async () => {
    const a = await world.agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    let failures = 1;
    world.manager.override = (route) => {
      if (route !== 'agentAcceptRun' || failures === 0) return undefined;
      failures -= 1;
      return { status: 503, body: { code: 'SERVICE_UNAVAILABLE', message: 'busy', requestId: 't' } };
    };
    world.manager.assign(assignmentFor(a.handle.agentKey, 33));
    await waitFor(() => a.runner.started.length === 1, 'started');
    expect(world.manager.callsOf('agentAcceptRun').map((call) => call.status)).toEqual([503, 200]);
    // Handed again while it runs (the manager re-sends until it hears): refused locally, not re-accepted.
    world.manager.assign(assignmentFor(a.handle.agentKey, 33));
    await delay(400);
    expect(a.runner.started.map((s) => s.runId)).toEqual([33]);
    expect(world.manager.callsOf('agentAcceptRun')).toHaveLength(2);
  });

  it('does not start a run dispatched on the LAN until the manager accepted it for this agent', async () => {
    const a = await world.agents.start();
    await waitFor(() => a.handle.status().role === 'primary', 'primary');
    const b = await world.agents.start();
    await waitFor(() => b.handle.status().role === 'secondary', 'secondary');
    const lan = new LanClient({
      agentKey: () => a.handle.agentKey,
      key: () => lanKeyFromSecret(world.manager.lanSecret),
    });
    const peer = { ip: '127.0.0.1', port: b.handle.lanPort };
    world.manager.runs.set(34, assignmentFor(b.handle.agentKey, 34));
    world.manager.override = (route) =>
      route === 'agentAcceptRun'
        ? { status: 404, body: { code: 'TASK_RUN_NOT_FOUND', message: 'gone', requestId: 't' } }
        : undefined;
    expect(await lan.dispatch(peer, { runId: 34, taskId: 340, epoch: 1 }, 2_000)).toMatchObject({
      accepted: false,
      reason: expect.stringContaining('could not accept the run'),
    });
    expect(b.runner.started).toEqual([]);
    world.manager.override = null;
    expect(await lan.dispatch(peer, { runId: 34, taskId: 340, epoch: 1 }, 2_000)).toEqual({ accepted: true });
    expect(b.runner.started.map((s) => s.runId)).toEqual([34]);
    expect(world.manager.acceptedRuns.has(34)).toBe(true);
  });
});
