import { randomBytes } from 'node:crypto';
import { eventEnvelopeSchema, isEventType } from '@outpost/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../common/crypto/secret-box';
import { ZoneEventsWriter } from '../election/zone-events.writer';
import { LivenessRepository } from '../liveness/liveness.repository';
import { SchedulingRepository } from '../scheduling/scheduling.repository';
import { TaskEventsWriter } from '../tasks/task-events.writer';
import type { TaskEntity } from '../tasks/task.entity';
import { WebhookSubscriptionEntity } from '../webhooks/webhook-subscription.entity';
import { toEventEnvelope } from './event-envelope.mapper';
import { EventEntity } from './event.entity';

const at = new Date('2026-03-04T05:06:07.089Z');

/** Just enough of an EntityManager to capture what the writers store. */
class RecordingManager {
  readonly events: EventEntity[] = [];
  readonly inserted: { target: unknown; row: Record<string, unknown> }[] = [];
  constructor(private readonly taskAfter: Partial<TaskEntity> | null = null) {}

  create(_target: unknown, values: Partial<EventEntity>): Partial<EventEntity> {
    return { ...values };
  }
  async save(target: unknown, entity: Partial<EventEntity>): Promise<EventEntity> {
    expect(target).toBe(EventEntity);
    const saved = { ...entity, id: this.events.length + 1 } as EventEntity;
    this.events.push(saved);
    return saved;
  }
  readonly eventInserts: number[] = [];
  async insert(target: unknown, rows: Record<string, unknown> | Record<string, unknown>[]): Promise<void> {
    const list = Array.isArray(rows) ? rows : [rows];
    if (target === EventEntity) {
      this.eventInserts.push(list.length);
      for (const row of list) this.events.push({ ...row, id: this.events.length + 1 } as EventEntity);
      return;
    }
    for (const row of list) this.inserted.push({ target, row });
  }
  reads = 0;
  async findOneBy(): Promise<Partial<TaskEntity> | null> {
    this.reads += 1;
    return this.taskAfter;
  }
  get asManager(): EntityManager {
    return this as unknown as EntityManager;
  }
}

/** Every stored event must parse as its type's envelope: the schema is the writer's payload. */
function expectValid(events: EventEntity[]): void {
  for (const event of events) {
    expect(isEventType(event.type), event.type).toBe(true);
    const parsed = eventEnvelopeSchema.safeParse(toEventEnvelope(event));
    expect(parsed.success, `${event.type}: ${parsed.error?.message ?? ''}`).toBe(true);
  }
}

const box = new SecretBox({ credentialsKey: randomBytes(32) });

const task = {
  id: 5,
  zoneId: 2,
  name: 'deploy',
  status: 'wait-polling',
  callbackUrl: null,
  createdByUserId: 1,
  eventFilter: 'all-statuses',
  result: null,
} as unknown as TaskEntity;

describe('event payloads of the writers', () => {
  it('ZoneEventsWriter: AGENT_JOINED, AGENT_CONNECT, PRIMARY_ELECTED and PRIMARY_RETIRE parse', async () => {
    const writer = new ZoneEventsWriter();
    const manager = new RecordingManager();
    const agent = { id: 3, zoneId: 2, agentKey: 'agt_1', hostname: 'web-1' };
    await writer.agentJoined(agent, { kind: 'api-key', apiKeyId: 4 }, at, manager.asManager);
    await writer.agentJoined(agent, { kind: 'join-token', joinTokenId: 9 }, at, manager.asManager);
    await writer.agentConnected({ ...agent, ip: '10.0.0.1' }, at, manager.asManager);
    await writer.primaryElected(
      agent,
      { epoch: 2, previousAgentKey: null, reason: 'lease-expired' },
      at,
      manager.asManager,
    );
    await writer.primaryElected(
      agent,
      { epoch: 3, previousAgentKey: 'agt_0', reason: 'primary-unreachable' },
      at,
      manager.asManager,
    );
    await writer.primaryRetired(agent, { epoch: 3, successorAgentKey: 'agt_2' }, at, manager.asManager);
    expect(manager.events.map((event) => event.type)).toEqual([
      'AGENT_JOINED',
      'AGENT_JOINED',
      'AGENT_CONNECT',
      'PRIMARY_ELECTED',
      'PRIMARY_ELECTED',
      'PRIMARY_RETIRE',
    ]);
    expectValid(manager.events);
  });

  it('LivenessRepository: AGENT_DISCONNECT parses', async () => {
    const repository = new LivenessRepository(null as unknown as DataSource);
    const manager = new RecordingManager();
    const agent = { id: 3, zoneId: 2, agentKey: 'agt_1', hostname: 'web-1', state: 'suspect' as const };
    await repository.agentDisconnected(manager.asManager, { ...agent, lastSeenAt: at }, 95_400, at);
    await repository.agentDisconnected(manager.asManager, { ...agent, lastSeenAt: null }, 0, at);
    expect(manager.events.map((event) => event.type)).toEqual(['AGENT_DISCONNECT', 'AGENT_DISCONNECT']);
    expectValid(manager.events);
  });

  it('SchedulingRepository: TASK_ITERATION_SKIPPED parses', async () => {
    const repository = new SchedulingRepository(null as unknown as DataSource);
    const manager = new RecordingManager();
    const task = {
      id: 5,
      zoneId: 2,
      status: 'running' as const,
      cron: '* * * * *',
      timeZone: 'UTC',
      nextRunAt: at,
      overlapPolicy: 'skip' as const,
    };
    await repository.tickSkipped(manager.asManager, task, new Date(at.getTime() + 60_000), at);
    await repository.tickSkipped(manager.asManager, { ...task, nextRunAt: null }, null, at);
    expect(manager.events.map((event) => event.type)).toEqual([
      'TASK_ITERATION_SKIPPED',
      'TASK_ITERATION_SKIPPED',
    ]);
    expectValid(manager.events);
  });

  it('TaskEventsWriter: TASK_CREATED, TASK_STATUS_CHANGED and TASK_RUN_STATUS_CHANGED parse', async () => {
    const writer = new TaskEventsWriter(box);
    const manager = new RecordingManager();
    await writer.taskCreated(task, at, manager.asManager);
    await writer.statusChanged(
      { ...task, eventFilter: 'success' },
      'wait-polling',
      'hand-over',
      at,
      manager.asManager,
    );
    const run = { id: 8, taskId: 5, zoneId: 2, agentId: 3, agentKey: 'agt_1' };
    await writer.runStatusChanged(run, null, 'hand-over', at, manager.asManager);
    await writer.runStatusChanged(
      { ...run, agentId: null, agentKey: null },
      'hand-over',
      'wait-exec',
      at,
      manager.asManager,
    );
    expect(manager.events.map((event) => event.type)).toEqual([
      'TASK_CREATED',
      'TASK_STATUS_CHANGED',
      'TASK_RUN_STATUS_CHANGED',
      'TASK_RUN_STATUS_CHANGED',
    ]);
    expectValid(manager.events);
  });

  it('TaskEventsWriter: TASK_CALLBACK parses, and carries the task as the change left it', async () => {
    const writer = new TaskEventsWriter(box);
    const after = {
      ...task,
      status: 'failed',
      result: 'boom',
      currentStep: 2,
      failedStep: 2,
      exeAgentKey: 'agt_1',
    };
    const manager = new RecordingManager(after as Partial<TaskEntity>);
    await writer.statusChanged(task, 'running', 'failed', at, manager.asManager);
    expect(manager.events.map((event) => event.type)).toEqual(['TASK_STATUS_CHANGED', 'TASK_CALLBACK']);
    expectValid(manager.events);
    expect(manager.events[1]?.payload).toEqual({
      taskId: 5,
      zoneId: 2,
      name: 'deploy',
      status: 'failed',
      result: 'boom',
      currentStep: 2,
      failedStep: 2,
      exeAgentKey: 'agt_1',
      complete: true,
      success: false,
      isCommandError: true,
    });
  });

  it('TASK_CALLBACK carries the row the caller says the change left, without reading it back', async () => {
    const writer = new TaskEventsWriter(box);
    const manager = new RecordingManager({ ...task, result: 'stale' } as Partial<TaskEntity>);
    const after = { ...task, result: 'ok', currentStep: 1, failedStep: null, exeAgentKey: 'agt_1' };
    await writer.statusChanged(task, 'running', 'complete', at, manager.asManager, after);
    expect(manager.reads).toBe(0);
    expect(manager.events.map((event) => event.type)).toEqual(['TASK_STATUS_CHANGED', 'TASK_CALLBACK']);
    expect(manager.eventInserts).toEqual([2]);
    expectValid(manager.events);
    expect(manager.events[1]?.payload).toMatchObject({ status: 'complete', result: 'ok', currentStep: 1 });
  });

  it('batched: writes the events of its work in one INSERT, in order, and none when the work throws', async () => {
    const writer = new TaskEventsWriter(box);
    const manager = new RecordingManager();
    const run = { id: 8, taskId: 5, zoneId: 2, agentId: 3, agentKey: 'agt_1' };
    const after = { ...task, currentStep: 0, failedStep: null, exeAgentKey: 'agt_1' };
    await writer.batched(manager.asManager, async () => {
      await writer.runStatusChanged(run, 'hand-over', 'wait-exec', at, manager.asManager);
      await writer.batched(manager.asManager, () =>
        writer.statusChanged(task, 'hand-over', 'wait-exec', at, manager.asManager, after),
      );
      expect(manager.events).toEqual([]);
    });
    expect(manager.eventInserts).toEqual([3]);
    expect(manager.events.map((event) => event.type)).toEqual([
      'TASK_RUN_STATUS_CHANGED',
      'TASK_STATUS_CHANGED',
      'TASK_CALLBACK',
    ]);
    await expect(
      writer.batched(manager.asManager, async () => {
        await writer.runStatusChanged(run, 'wait-exec', 'started', at, manager.asManager);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await writer.runStatusChanged(run, 'started', 'complete', at, manager.asManager);
    expect(manager.eventInserts).toEqual([3, 1]);
    expect(manager.events).toHaveLength(4);
  });

  it('writes no TASK_CALLBACK when the filter does not select the change', async () => {
    const writer = new TaskEventsWriter(box);
    const manager = new RecordingManager({ ...task, status: 'running' } as Partial<TaskEntity>);
    await writer.statusChanged(
      { ...task, eventFilter: 'conclusion-statuses' },
      'started',
      'running',
      at,
      manager.asManager,
    );
    await writer.statusChanged(
      { ...task, eventFilter: 'changed-result' },
      'started',
      'running',
      at,
      manager.asManager,
    );
    expect(manager.events.map((event) => event.type)).toEqual(['TASK_STATUS_CHANGED', 'TASK_STATUS_CHANGED']);
  });

  it('gives a task with a callback URL a sealed callback subscription and returns its secret once', async () => {
    const writer = new TaskEventsWriter(box);
    const manager = new RecordingManager();
    const created = await writer.taskCreated(
      { ...task, callbackUrl: 'https://example.test/hook' } as TaskEntity,
      at,
      manager.asManager,
    );
    expect(created.callbackSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(manager.inserted).toHaveLength(1);
    const [{ target, row }] = manager.inserted as [{ target: unknown; row: Record<string, unknown> }];
    expect(target).toBe(WebhookSubscriptionEntity);
    expect(row).toMatchObject({ taskId: 5, zoneId: 2, url: 'https://example.test/hook', isActive: true });
    expect(JSON.stringify(row)).not.toContain(created.callbackSecret);
    expect(box.open(row.secretCiphertext as string)).toBe(created.callbackSecret);
    expect(JSON.stringify(manager.events)).not.toContain(created.callbackSecret);
    expect((await writer.taskCreated(task, at, new RecordingManager().asManager)).callbackSecret).toBeNull();
  });
});
