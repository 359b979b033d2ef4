import { type AgentState, agentStates } from '@outpost/shared';
import { Group, Pagination, Select, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useLiveEvents } from '../../../app/live';
import { useSession } from '../../../app/session';
import { useZoneId } from '../../../app/zone';
import { AGENTS_PAGE_SIZE, agentKeys, agentsQuery } from '../api/agents.queries';
import { AgentTable } from '../components/AgentTable';
import { ElectionHistory } from '../components/ElectionHistory';
import { InstallAgentDialog } from '../components/InstallAgentDialog';
import { PageHeader, ProblemAlert } from '../../../components';

const stateOptions = [
  { value: '', label: 'Every state' },
  ...agentStates.map((s) => ({ value: s, label: s })),
];

function isAgentState(value: string | null): value is AgentState {
  return agentStates.some((state) => state === value);
}

/** The zone's agents, live: joins, disconnects and elections refresh the page as they happen. */
export function AgentsPage() {
  const zoneId = useZoneId();
  const { canChange } = useSession();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<AgentState | null>(null);
  const agents = useQuery(agentsQuery(zoneId, page, state));

  // The layout's stream refreshes agents on agent and election events; a run starting or ending
  // changes an agent's running-task count, which only this page shows.
  const onEvent = useCallback(
    (event: { type: string }) => {
      if (event.type === 'TASK_RUN_STATUS_CHANGED') {
        void queryClient.invalidateQueries({ queryKey: agentKeys.zone(zoneId) });
      }
    },
    [queryClient, zoneId],
  );
  useLiveEvents({ zoneId }, onEvent);

  const pages = agents.data ? Math.max(1, Math.ceil(agents.data.total / AGENTS_PAGE_SIZE)) : 1;

  return (
    <Stack>
      <PageHeader title="Agents" actions={canChange ? <InstallAgentDialog zoneId={zoneId} /> : undefined} />
      <Group justify="space-between" align="flex-end">
        <Select
          label="State"
          data={stateOptions}
          value={state ?? ''}
          onChange={(value) => {
            setState(isAgentState(value) ? value : null);
            setPage(1);
          }}
          allowDeselect={false}
          w={180}
        />
        {agents.data ? (
          <Text size="sm" c="dimmed" aria-live="polite">
            {agents.data.total} agent{agents.data.total === 1 ? '' : 's'}
          </Text>
        ) : null}
      </Group>
      {agents.isError ? <ProblemAlert error={agents.error} /> : null}
      {agents.isPending ? <Text>Loading agents…</Text> : null}
      {agents.data && agents.data.total === 0 ? (
        <Text c="dimmed">
          No agents{state ? ` in state ${state}` : ''} yet.
          {canChange && !state ? ' Use “Install agent” to add the first one.' : ''}
        </Text>
      ) : null}
      {agents.data && agents.data.items.length > 0 ? (
        <AgentTable zoneId={zoneId} agents={agents.data.items} canChange={canChange} />
      ) : null}
      {pages > 1 ? (
        <Group justify="flex-end">
          <Pagination total={pages} value={page} onChange={setPage} aria-label="Agent pages" />
        </Group>
      ) : null}
      <ElectionHistory zoneId={zoneId} />
    </Stack>
  );
}
