import { randomBytes } from 'node:crypto';
import { AGENT_PROTOCOL_VERSION, PROTOCOL_HEADER, type TaskStatus } from '@outpost/shared';
import { expect } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { signAgentSession } from '../../src/common/auth/agent-tokens';
import { ZoneLeaseEntity } from '../../src/election/zone-lease.entity';
import { EventEntity } from '../../src/events/event.entity';
import { TaskRunEntity } from '../../src/tasks/task-run.entity';
import { TaskEntity } from '../../src/tasks/task.entity';
import type { CallResult, TestApp } from '../testing/test-app';

/** Helpers of the agent-work API tests: agents and leases are written directly, not through join. */

export const inlineStep = { seq: 1, commandName: 'hello', commandType: 'inline', command: 'echo hello' };

export interface TestAgent {
  row: AgentEntity;
  token: string;
}

export interface TestZone {
  zoneId: number;
  epoch: number;
  primary: TestAgent;
  secondaries: TestAgent[];
}

export interface AgentOptions {
  state?: AgentEntity['state'];
  labels?: Record<string, string>;
}

export class WorkWorld {
  private zoneCounter = 0;

  constructor(
    readonly t: TestApp,
    readonly operator: string,
  ) {}

  get pollWaitMs(): number {
    return this.t.config.agentSettings.pollWaitMs;
  }

  async newZone(name = 'zone'): Promise<number> {
    this.zoneCounter += 1;
    const response = await this.t.call('POST', '/api/v1/zones', {
      token: this.operator,
      body: { name: `${name}-${this.zoneCounter}-${randomBytes(3).toString('hex')}` },
    });
    expect(response.status).toBe(201);
    return response.body.id as number;
  }

  /** An agent row as a join and handshake would leave it, with a session token. */
  async addAgent(zoneId: number, options: AgentOptions = {}): Promise<TestAgent> {
    const now = new Date();
    const manager = this.t.dataSource.manager;
    const row = await manager.save(
      AgentEntity,
      manager.create(AgentEntity, {
        zoneId,
        agentKey: `agt_${randomBytes(10).toString('hex')}`,
        credentialHash: randomBytes(32).toString('hex'),
        hostname: 'host',
        ips: ['10.0.0.1'],
        lanPort: 9350,
        version: '1.0.0',
        platform: 'linux',
        labels: options.labels ?? {},
        cpuCores: 2,
        memoryMb: null,
        diskMb: null,
        freeMemoryMb: null,
        freeDiskMb: null,
        runningTasks: 0,
        state: options.state ?? 'online',
        lastSeenAt: now,
        joinedAt: now,
        retiredAt: null,
        createdAt: now,
        updatedAt: now,
      }),
    );
    return { row, token: this.tokenOf(row) };
  }

  tokenOf(agent: Pick<AgentEntity, 'id' | 'zoneId' | 'agentKey'>): string {
    return signAgentSession(
      { agentId: agent.id, zoneId: agent.zoneId, agentKey: agent.agentKey },
      { jwtSecret: this.t.config.jwtSecret, ttlMs: 3_600_000, now: new Date() },
    ).token;
  }

  /** Gives the zone to the agent at that epoch (as an election would). */
  async grantLease(zoneId: number, agentId: number, epoch: number): Promise<void> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.t.config.agentSettings.leaseTtlMs);
    await this.t.dataSource.manager.save(ZoneLeaseEntity, {
      zoneId,
      agentId,
      epoch,
      expiresAt,
      acquiredAt: now,
      renewedAt: now,
    });
  }

  /** A zone with a primary holding the lease at epoch 1 and some online secondaries. */
  async zoneWith(
    secondaries = 1,
    options: { primary?: AgentOptions; secondaries?: AgentOptions[] } = {},
  ): Promise<TestZone> {
    const zoneId = await this.newZone();
    const primary = await this.addAgent(zoneId, options.primary);
    const others: TestAgent[] = [];
    for (let index = 0; index < secondaries; index += 1) {
      others.push(await this.addAgent(zoneId, options.secondaries?.[index]));
    }
    await this.grantLease(zoneId, primary.row.id, 1);
    return { zoneId, epoch: 1, primary, secondaries: others };
  }

  async createTask(
    body: Record<string, unknown>,
  ): Promise<{ id: number; status: TaskStatus; [key: string]: unknown }> {
    const response = await this.t.call('POST', '/api/v1/tasks', {
      token: this.operator,
      body: { name: 'job', steps: [inlineStep], ...body },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body;
  }

  agentCall(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<CallResult> {
    if (signal) return this.rawCall(method, path, token, body, signal);
    return this.t.call(method, path, {
      token,
      body,
      headers: { [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION) },
    });
  }

  /** The primary's poll; by default every secondary is reported reachable and idle. */
  poll(
    zone: TestZone,
    overrides: Record<string, unknown> = {},
    options: { as?: TestAgent; signal?: AbortSignal } = {},
  ): Promise<CallResult> {
    const body = {
      epoch: zone.epoch,
      members: zone.secondaries.map((agent) => ({
        agentKey: agent.row.agentKey,
        reachable: true,
        runningTasks: 0,
      })),
      runningTasks: 0,
      ...overrides,
    };
    return this.agentCall('POST', '/agent/v1/poll', (options.as ?? zone.primary).token, body, options.signal);
  }

  /** The agent accepts its run before starting it, as real agents do. */
  accept(agent: TestAgent, runId: number): Promise<CallResult> {
    return this.agentCall('POST', `/agent/v1/runs/${runId}/accept`, agent.token);
  }

  report(agent: TestAgent, items: unknown[], runningRunIds: number[] = []): Promise<CallResult> {
    return this.agentCall('POST', '/agent/v1/report', agent.token, { items, runningRunIds });
  }

  async task(taskId: number): Promise<TaskEntity> {
    return this.t.dataSource.manager.findOneByOrFail(TaskEntity, { id: taskId });
  }

  runsOf(taskId: number): Promise<TaskRunEntity[]> {
    return this.t.dataSource.manager.find(TaskRunEntity, { where: { taskId }, order: { id: 'ASC' } });
  }

  /** `from → to` of the task's TASK_STATUS_CHANGED events, in order. */
  async statusEvents(taskId: number): Promise<string[]> {
    const events = await this.events(taskId, 'TASK_STATUS_CHANGED');
    return events.map((event) => `${String(event.payload.from)}→${String(event.payload.to)}`);
  }

  events(taskId: number, type: string): Promise<EventEntity[]> {
    return this.t.dataSource.manager.find(EventEntity, { where: { taskId, type }, order: { id: 'ASC' } });
  }

  private async rawCall(
    method: string,
    path: string,
    token: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<CallResult> {
    const response = await fetch(`${this.t.baseUrl}${path}`, {
      method,
      signal,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : text, headers: response.headers };
  }
}

let seqCounter = 0;

/** A status report item; seq defaults to a fresh number. */
export function statusItem(
  runId: number,
  status: string,
  extra: {
    seq?: number;
    currentStep?: number;
    failedStep?: number | null;
    result?: string | null;
    error?: string | null;
  } = {},
): Record<string, unknown> {
  seqCounter += 1;
  return {
    kind: 'status',
    runId,
    seq: extra.seq ?? seqCounter,
    status,
    currentStep: extra.currentStep ?? 0,
    failedStep: extra.failedStep ?? null,
    result: extra.result ?? null,
    error: extra.error ?? null,
    at: new Date().toISOString(),
  };
}

export function logItem(runId: number, seq: number, content: string): Record<string, unknown> {
  return { kind: 'log', runId, seq, stepSeq: 1, stream: 'stdout', content, at: new Date().toISOString() };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
