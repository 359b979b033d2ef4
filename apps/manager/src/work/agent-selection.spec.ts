import { describe, expect, it } from 'vitest';
import { type Candidate, hasLabels, pickAgents } from './agent-selection';

function agent(id: number, overrides: Partial<Candidate> = {}): Candidate {
  return { id, agentKey: `a${id}`, labels: {}, isPrimary: false, load: 0, ...overrides };
}

describe('pickAgents', () => {
  it('gives an any task to the least busy agent, not to the primary by default', () => {
    const primary = agent(1, { isPrimary: true, load: 3 });
    const idle = agent(5, { load: 0 });
    expect(pickAgents({ kind: 'any' }, [primary, agent(2, { load: 1 }), idle])).toEqual([idle]);
  });

  it('prefers a secondary over the primary on a tie, then the lowest id', () => {
    const primary = agent(1, { isPrimary: true });
    expect(pickAgents({ kind: 'any' }, [primary, agent(7), agent(3)]).map((a) => a.id)).toEqual([3]);
    expect(pickAgents({ kind: 'any' }, [primary]).map((a) => a.id)).toEqual([1]);
  });

  it('gives an agent task only to that agent, and to nobody when it is not eligible', () => {
    expect(pickAgents({ kind: 'agent', agentKey: 'a2' }, [agent(1), agent(2)]).map((a) => a.id)).toEqual([2]);
    expect(pickAgents({ kind: 'agent', agentKey: 'gone' }, [agent(1)])).toEqual([]);
  });

  it('gives an all task one run per eligible agent', () => {
    expect(pickAgents({ kind: 'all' }, [agent(3), agent(1), agent(2)]).map((a) => a.id)).toEqual([1, 2, 3]);
  });

  it('gives a labels task to every agent carrying all the labels', () => {
    const candidates = [
      agent(1, { labels: { os: 'linux', rack: 'a' } }),
      agent(2, { labels: { os: 'linux' } }),
      agent(3, { labels: { os: 'windows', rack: 'a' } }),
    ];
    expect(
      pickAgents({ kind: 'labels', labels: { os: 'linux', rack: 'a' } }, candidates).map((a) => a.id),
    ).toEqual([1]);
    expect(pickAgents({ kind: 'labels', labels: { os: 'linux' } }, candidates).map((a) => a.id)).toEqual([
      1, 2,
    ]);
    expect(pickAgents({ kind: 'labels', labels: { os: 'bsd' } }, candidates)).toEqual([]);
  });

  it('picks nothing when no agent is eligible', () => {
    expect(pickAgents({ kind: 'any' }, [])).toEqual([]);
    expect(pickAgents({ kind: 'all' }, [])).toEqual([]);
  });
});

describe('hasLabels', () => {
  it('needs every wanted key with the same value', () => {
    expect(hasLabels({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(hasLabels({ a: '1' }, { a: '2' })).toBe(false);
    expect(hasLabels({}, { a: '1' })).toBe(false);
  });
});
