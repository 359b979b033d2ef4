import { describe, expect, it } from 'vitest';
import { eventEnvelopeSchema, eventTypes, isEventType, schemaVersionOf } from './event-envelope';

const base = { id: '42', schemaVersion: 1, occurredAt: '2026-01-02T03:04:05.678Z', zoneId: 7 };

describe('eventEnvelopeSchema', () => {
  it("has one member per event type, Klevr's five included", () => {
    const members = eventEnvelopeSchema.options.map((option) => option.shape.type.value);
    expect([...members].sort()).toEqual([...eventTypes].sort());
    for (const klevr of [
      'AGENT_CONNECT',
      'AGENT_DISCONNECT',
      'PRIMARY_ELECTED',
      'PRIMARY_RETIRE',
      'TASK_CALLBACK',
    ]) {
      expect(isEventType(klevr)).toBe(true);
    }
  });

  it('parses an envelope and checks its data against the schema of its type', () => {
    const data = { taskId: 1, zoneId: 7, from: 'started', to: 'complete' };
    expect(eventEnvelopeSchema.parse({ ...base, type: 'TASK_STATUS_CHANGED', data }).data).toEqual(data);
    expect(
      eventEnvelopeSchema.safeParse({ ...base, type: 'TASK_STATUS_CHANGED', data: { ...data, to: 'done' } })
        .success,
    ).toBe(false);
    expect(
      eventEnvelopeSchema.safeParse({ ...base, type: 'TASK_STATUS_CHANGED', data: { ...data, secret: 'x' } })
        .success,
    ).toBe(false);
  });

  it('refuses an unknown type, a numeric id and a schema version it does not know', () => {
    const data = { taskId: 1, zoneId: 7, name: 'job', status: 'scheduled' };
    expect(eventEnvelopeSchema.safeParse({ ...base, type: 'TASK_CREATED', data }).success).toBe(true);
    expect(eventEnvelopeSchema.safeParse({ ...base, type: 'TASK_EXPLODED', data }).success).toBe(false);
    expect(eventEnvelopeSchema.safeParse({ ...base, id: 42, type: 'TASK_CREATED', data }).success).toBe(
      false,
    );
    expect(
      eventEnvelopeSchema.safeParse({ ...base, schemaVersion: 2, type: 'TASK_CREATED', data }).success,
    ).toBe(false);
    expect(schemaVersionOf('TASK_CREATED')).toBe(1);
  });
});
