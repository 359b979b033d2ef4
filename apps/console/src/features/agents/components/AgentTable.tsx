import type { Agent } from '@outpost/shared';
import { Badge, Code, Table, Text, VisuallyHidden } from '@mantine/core';
import { relativeTime } from '../relative-time';
import { useNow } from '../useNow';
import { AgentResources } from './AgentResources';
import { AgentStateBadge } from './AgentStateBadge';
import { ShutdownAgentMenu } from './ShutdownAgentMenu';

interface AgentTableProps {
  zoneId: number;
  agents: Agent[];
  canChange: boolean;
}

/** One page of agents; the page is small, so even a fleet of 10,000 renders quickly. */
export function AgentTable({ zoneId, agents, canChange }: AgentTableProps) {
  const now = useNow(10_000);
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover verticalSpacing="xs" aria-label="Agents">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Agent key</Table.Th>
            <Table.Th>Host</Table.Th>
            <Table.Th>Address</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Version</Table.Th>
            <Table.Th>Resources (free / total)</Table.Th>
            <Table.Th>Running</Table.Th>
            <Table.Th>Last seen</Table.Th>
            {canChange ? (
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {agents.map((agent) => (
            <Table.Tr key={agent.id}>
              <Table.Td>
                <Code>{agent.agentKey}</Code>
              </Table.Td>
              <Table.Td>{agent.hostname}</Table.Td>
              <Table.Td>
                {agent.ip}:{agent.port}
              </Table.Td>
              <Table.Td>
                {agent.role === 'primary' ? (
                  <Badge styles={{ label: { overflow: 'visible' } }} color="violet">
                    primary
                  </Badge>
                ) : (
                  <Text size="sm" c="dimmed">
                    secondary
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <AgentStateBadge state={agent.state} />
              </Table.Td>
              <Table.Td>{agent.version}</Table.Td>
              <Table.Td>
                <AgentResources resources={agent.resources} />
              </Table.Td>
              <Table.Td>{agent.runningTasks}</Table.Td>
              <Table.Td title={agent.lastSeenAt ?? undefined}>{relativeTime(agent.lastSeenAt, now)}</Table.Td>
              {canChange ? (
                <Table.Td>
                  {agent.state !== 'retired' ? (
                    <ShutdownAgentMenu zoneId={zoneId} agentKey={agent.agentKey} />
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
