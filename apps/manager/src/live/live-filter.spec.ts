import type { EventEnvelope } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import type { LiveMessage } from '../common/messaging/bus-messages';
import { matchesLiveFilter } from './live-filter';

const event = (zoneId: number | null, taskId: number | null): LiveMessage => ({
  kind: 'event',
  event: {
    id: 1,
    taskId,
    agentId: null,
    envelope: { id: '1', type: 'TASK_CREATED', zoneId } as EventEnvelope,
  },
});
const log = (zoneId: number, taskId: number): LiveMessage => ({
  kind: 'task.log',
  log: {
    taskId,
    runId: 1,
    zoneId,
    seq: 1,
    stepSeq: 1,
    stream: 'stdout',
    content: 'x',
    at: '2026-01-01T00:00:00.000Z',
  },
});

describe('matchesLiveFilter', () => {
  it('lets every event through without a filter, but no log chunk', () => {
    expect(matchesLiveFilter(event(1, 2), {})).toBe(true);
    expect(matchesLiveFilter(event(null, null), {})).toBe(true);
    expect(matchesLiveFilter(log(1, 2), {})).toBe(false);
  });

  it('keeps only the events of the zone asked for', () => {
    expect(matchesLiveFilter(event(1, 2), { zoneId: 1 })).toBe(true);
    expect(matchesLiveFilter(event(3, 2), { zoneId: 1 })).toBe(false);
    expect(matchesLiveFilter(event(null, null), { zoneId: 1 })).toBe(false);
  });

  it('keeps only the events and log chunks of the task asked for', () => {
    expect(matchesLiveFilter(event(1, 2), { taskId: 2 })).toBe(true);
    expect(matchesLiveFilter(event(1, 5), { taskId: 2 })).toBe(false);
    expect(matchesLiveFilter(log(1, 2), { taskId: 2 })).toBe(true);
    expect(matchesLiveFilter(log(1, 5), { taskId: 2 })).toBe(false);
    expect(matchesLiveFilter(log(1, 2), { taskId: 2, zoneId: 3 })).toBe(false);
  });
});
