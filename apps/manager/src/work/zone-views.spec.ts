import { describe, expect, it } from 'vitest';
import type { AgentEntity } from '../agents/agent.entity';
import { ZoneViews } from './zone-views';

const agents = [{ id: 1 } as AgentEntity];
const at = (ms: number) => new Date(ms);

describe('ZoneViews', () => {
  it('keeps a zone’s agents for the version they were read under, until they expire', () => {
    const views = new ZoneViews(5_000);
    views.keepAgents(7, 3, agents, 1_000);
    expect(views.agents(7, 3, 5_999)).toBe(agents);
    expect(views.agents(7, 4, 2_000)).toBeNull(); // a change was signalled since
    expect(views.agents(7, 3, 6_000)).toBeNull(); // too old
    expect(views.agents(8, 3, 2_000)).toBeNull(); // another zone
  });

  it('answers idle only after an idle look, and not once its next timed task is due', () => {
    const views = new ZoneViews(5_000);
    expect(views.idle(7, 0, 1_000)).toBeUndefined();
    views.looked(7, 0, { idle: true, nextDueAt: at(3_000) }, 1_000);
    expect(views.idle(7, 0, 2_999)).toEqual({ nextDueAt: at(3_000) });
    expect(views.idle(7, 0, 3_000)).toBeUndefined();
    views.looked(7, 0, { idle: false, nextDueAt: null }, 4_000);
    expect(views.idle(7, 0, 4_001)).toBeUndefined();
  });

  it('never lets a look that started before a change overwrite what a later look kept', () => {
    const views = new ZoneViews(5_000);
    views.looked(7, 2, { idle: false, nextDueAt: null }, 1_000); // the later look: work found
    views.looked(7, 1, { idle: true, nextDueAt: null }, 1_000); // an older look ends last
    expect(views.idle(7, 1, 1_001)).toBeUndefined();
    expect(views.idle(7, 2, 1_001)).toBeUndefined();
  });

  it('drops what was kept under an older version when a newer look records', () => {
    const views = new ZoneViews(5_000);
    views.keepAgents(7, 1, agents, 1_000);
    views.looked(7, 1, { idle: true, nextDueAt: null }, 1_000);
    views.looked(7, 2, { idle: true, nextDueAt: null }, 1_500);
    expect(views.agents(7, 2, 1_600)).toBeNull();
    expect(views.idle(7, 2, 1_600)).toEqual({ nextDueAt: null });
  });
});
