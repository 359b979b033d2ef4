import type { AgentState } from '@outpost/shared';
import { Badge } from '@mantine/core';

const colours: Record<AgentState, string> = {
  online: 'green',
  suspect: 'yellow',
  offline: 'red',
  new: 'blue',
  retired: 'gray',
};

/** The state in words, coloured; the word carries the meaning, the colour only helps. */
export function AgentStateBadge({ state }: { state: AgentState }) {
  return (
    <Badge styles={{ label: { overflow: 'visible' } }} color={colours[state]} variant="light">
      {state}
    </Badge>
  );
}
