import { expect } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { statusItem, type TestAgent, type TestZone, WorkWorld } from '../api/agent-work.fixtures';
import { ManualClock } from '../testing/manual-clock';
import { startTestApp, type TestApp } from '../testing/test-app';
import type { TestDatabaseKind } from '../testing/test-database';

/**
 * The agent-work fixtures on a manager whose business clock the test moves: leases, sightings and
 * report times follow that clock, not the wall clock.
 */
export class WorkerWorld extends WorkWorld {
  constructor(
    t: TestApp,
    operator: string,
    readonly clock: ManualClock,
  ) {
    super(t, operator);
  }

  /**
   * A manager on a manual clock with a short poll hold and a long lease (the workers' tests move
   * the clock, not the wall time), and the fixtures on it. Close `world.t` in afterAll.
   */
  static async start(kind: TestDatabaseKind, pollWaitMs = 300): Promise<WorkerWorld> {
    const clock = new ManualClock(new Date());
    const t = await startTestApp(
      kind,
      { OUTPOST_AGENT_POLL_WAIT_MS: String(pollWaitMs), OUTPOST_AGENT_LEASE_TTL_MS: '20000' },
      { clock },
    );
    try {
      return new WorkerWorld(t, await t.tokenFor('operator'), clock);
    } catch (error) {
      await t.close();
      throw error;
    }
  }

  /** Gives the zone to the agent at that epoch, valid for an hour of the test's clock. */
  override async grantLease(zoneId: number, agentId: number, epoch: number): Promise<void> {
    const now = this.clock.now();
    await this.t.dataSource.manager.save(ZoneLeaseEntity, {
      zoneId,
      agentId,
      epoch,
      expiresAt: new Date(now.getTime() + 3_600_000),
      acquiredAt: now,
      renewedAt: now,
    });
  }

  /** Renews every lease of the zone for the clock as it is now (after moving it far). */
  async refreshLease(zone: TestZone): Promise<void> {
    await this.grantLease(zone.zoneId, zone.primary.row.id, zone.epoch);
  }

  async setAgent(agent: TestAgent, set: Partial<AgentEntity>): Promise<void> {
    await this.t.dataSource.manager.update(AgentEntity, { id: agent.row.id }, set);
  }

  async agentRow(agent: TestAgent): Promise<AgentEntity> {
    return this.t.dataSource.manager.findOneByOrFail(AgentEntity, { id: agent.row.id });
  }

  async run(runId: number): Promise<TaskRunEntity> {
    return this.t.dataSource.manager.findOneByOrFail(TaskRunEntity, { id: runId });
  }

  /** A status report item stamped with the test's clock. */
  item(runId: number, status: string, extra: Parameters<typeof statusItem>[2] = {}): Record<string, unknown> {
    return { ...statusItem(runId, status, extra), at: this.clock.now().toISOString() };
  }

  /** A task of the zone delivered to `agent` (the primary by default) through a poll. */
  async delivered(
    zone: TestZone,
    body: Record<string, unknown> = {},
    agent?: TestAgent,
  ): Promise<{ taskId: number; runId: number }> {
    const target = agent ?? zone.primary;
    const task = await this.createTask({ zoneId: zone.zoneId, agentKey: target.row.agentKey, ...body });
    const poll = await this.poll(zone);
    expect(poll.status, JSON.stringify(poll.body)).toBe(200);
    const [run] = await this.runsOf(task.id);
    if (!run) throw new Error('the task was not delivered');
    return { taskId: task.id, runId: run.id };
  }

  async eventsOfAgent(agentId: number, type: string): Promise<EventEntity[]> {
    return this.t.dataSource.manager.find(EventEntity, { where: { agentId, type }, order: { id: 'ASC' } });
  }
}
