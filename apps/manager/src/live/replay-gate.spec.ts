import type { EventEnvelope } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { LiveMessage } from '../common/messaging/bus-messages';
import { ReplayGate } from './replay-gate';

const event = (id: number): LiveMessage => ({
  kind: 'event',
  event: { id, taskId: null, agentId: null, envelope: { id: String(id) } as EventEnvelope },
});
const idsOf = (messages: LiveMessage[]) => messages.map((m) => (m.kind === 'event' ? m.event.id : 'log'));

describe('ReplayGate', () => {
  it('holds live messages during the replay, then releases those the replay did not send', () => {
    const out: LiveMessage[] = [];
    const gate = new ReplayGate((message) => out.push(message));
    gate.push(event(11));
    gate.push(event(12));
    expect(out).toEqual([]);
    gate.open([10, 11]);
    expect(idsOf(out)).toEqual([12]);
  });

  it('delivers a late event with a lower id that the replay did not contain', () => {
    const out: LiveMessage[] = [];
    const gate = new ReplayGate((message) => out.push(message));
    gate.open([10, 12]);
    gate.push(event(12));
    gate.push(event(11));
    gate.push(event(13));
    expect(idsOf(out)).toEqual([11, 13]);
  });

  it('answers overflow instead of holding without bound', () => {
    const gate = new ReplayGate(() => undefined, 2);
    expect(gate.push(event(1))).toBe('ok');
    expect(gate.push(event(2))).toBe('ok');
    expect(gate.push(event(3))).toBe('overflow');
  });
});
