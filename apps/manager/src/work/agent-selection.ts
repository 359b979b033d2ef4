import type { Labels, TaskTarget } from '@outpost/shared';

/** An agent that may receive work from this poll: online, not retired, seen by the primary now. */
export interface Candidate {
  id: number;
  agentKey: string;
  labels: Labels;
  isPrimary: boolean;
  /** Non-terminal runs the manager knows of plus the tasks the agent reports running. */
  load: number;
}

/** Least busy first; on a tie a secondary before the primary (it also relays the zone's work), then the oldest agent. */
function byLoad(a: Candidate, b: Candidate): number {
  return a.load - b.load || Number(a.isPrimary) - Number(b.isPrimary) || a.id - b.id;
}

export function hasLabels(agentLabels: Labels, wanted: Labels): boolean {
  return Object.entries(wanted).every(([key, value]) => agentLabels[key] === value);
}

/**
 * The agents that get a run of a task with this target, among the eligible ones. Empty means the
 * task stays `wait-polling` (visible, delivered once a fitting agent is online). Klevr ran every
 * task without an explicit agent on the primary; `any` spreads work by load instead.
 */
export function pickAgents(target: TaskTarget, candidates: readonly Candidate[]): Candidate[] {
  switch (target.kind) {
    case 'any': {
      const [best] = [...candidates].sort(byLoad);
      return best ? [best] : [];
    }
    case 'agent':
      return candidates.filter((candidate) => candidate.agentKey === target.agentKey).slice(0, 1);
    case 'all':
      return [...candidates].sort((a, b) => a.id - b.id);
    case 'labels':
      return candidates
        .filter((candidate) => hasLabels(candidate.labels, target.labels))
        .sort((a, b) => a.id - b.id);
  }
}
