import type { TaskTarget } from '@outpost/shared';

/** "agent abc", "labels env=prod" — how a task's target reads in a table. */
export function targetText(target: TaskTarget): string {
  switch (target.kind) {
    case 'any':
      return 'any agent';
    case 'all':
      return 'all agents';
    case 'agent':
      return `agent ${target.agentKey}`;
    case 'labels':
      return `labels ${Object.entries(target.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(', ')}`;
  }
}
