import type { EventEnvelope } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { LiveMessage, OutboundEvent } from './bus-messages';
import { eventRoutingKey } from './bus-messages';
import { InProcessBus } from './in-process-bus';

function event(id: number, zoneId: number | null = 1): OutboundEvent {
  const envelope = {
    id: String(id),
    type: 'TASK_CREATED',
    schemaVersion: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    zoneId,
    data: { taskId: 1, zoneId: zoneId ?? 0, name: 'job', status: 'wait-polling' },
  } as EventEnvelope;
  return { id, envelope, taskId: 1, agentId: null };
}

describe('InProcessBus', () => {
  it('confirms every event at once and hands it to every live listener', async () => {
    const bus = new InProcessBus();
    const first: LiveMessage[] = [];
    const second: LiveMessage[] = [];
    bus.onLive((message) => first.push(message));
    bus.onLive((message) => second.push(message));
    const confirmed = await bus.publishEvents([event(1), event(2)]);
    expect([...confirmed]).toEqual([1, 2]);
    expect(first.map((m) => (m.kind === 'event' ? m.event.id : null))).toEqual([1, 2]);
    expect(second).toHaveLength(2);
  });

  it('keeps delivering to the others when one listener throws, and stops after unsubscribe', async () => {
    const bus = new InProcessBus();
    const seen: number[] = [];
    bus.onLive(() => {
      throw new Error('broken viewer');
    });
    const unsubscribe = bus.onLive((message) => message.kind === 'event' && seen.push(message.event.id));
    await bus.publishEvents([event(1)]);
    unsubscribe();
    await bus.publishEvents([event(2)]);
    expect(seen).toEqual([1]);
    expect(bus.liveListenerCount()).toBe(1);
  });

  it('passes log chunks to listeners and sends wake-ups nowhere', () => {
    const bus = new InProcessBus();
    const seen: LiveMessage[] = [];
    const woken: number[] = [];
    bus.onLive((message) => seen.push(message));
    bus.onWakeup((zoneId) => woken.push(zoneId));
    const log = {
      taskId: 1,
      runId: 2,
      zoneId: 3,
      seq: 4,
      stepSeq: 1,
      stream: 'stdout' as const,
      content: 'hi',
      at: '2026-01-01T00:00:00.000Z',
    };
    bus.publishLog(log);
    bus.publishWakeup(3);
    expect(seen).toEqual([{ kind: 'task.log', log }]);
    expect(woken).toEqual([]);
    expect(bus.isConnected()).toBe(true);
  });
});

describe('eventRoutingKey', () => {
  it('is <type>.<zone id>, or <type>.global for an event of no zone', () => {
    expect(eventRoutingKey(event(1, 12).envelope)).toBe('TASK_CREATED.12');
    expect(eventRoutingKey(event(1, null).envelope)).toBe('TASK_CREATED.global');
  });
});
