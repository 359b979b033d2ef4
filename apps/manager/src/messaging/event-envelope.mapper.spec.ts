import { eventEnvelopeSchema } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { EventEntity } from '../events/event.entity';
import { toOutboundEvent } from './event-envelope.mapper';

const row: EventEntity = {
  id: 42,
  type: 'TASK_STATUS_CHANGED',
  schemaVersion: 1,
  zoneId: 7,
  taskId: 3,
  agentId: null,
  payload: { taskId: 3, zoneId: 7, from: 'started', to: 'complete' },
  occurredAt: new Date('2026-01-02T03:04:05.678Z'),
  publishedAt: null,
};

describe('toOutboundEvent', () => {
  it('builds the shared envelope (id as a string) and keeps the ids for routing', () => {
    const outbound = toOutboundEvent(row);
    expect(outbound).toEqual({
      id: 42,
      taskId: 3,
      agentId: null,
      envelope: {
        id: '42',
        type: 'TASK_STATUS_CHANGED',
        schemaVersion: 1,
        occurredAt: '2026-01-02T03:04:05.678Z',
        zoneId: 7,
        data: { taskId: 3, zoneId: 7, from: 'started', to: 'complete' },
      },
    });
    expect(eventEnvelopeSchema.safeParse(outbound.envelope).success).toBe(true);
  });
});
