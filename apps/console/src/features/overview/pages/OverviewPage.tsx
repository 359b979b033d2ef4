import { Anchor, Badge, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useZoneId, zonePath } from '../../../app/zone';
import { PageHeader } from '../../../components/PageHeader';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { zoneQuery } from '../../zones/api/zones.queries';
import {
  recentFailuresQuery,
  taskCountQuery,
  zoneAgentsQuery,
  zonePrimaryQuery,
} from '../api/overview.queries';
import { Figure, StatCard } from '../components/StatCard';
import { taskGroups } from '../task-groups';

function AgentsCard({ zoneId }: { zoneId: number }) {
  const agents = useQuery(zoneAgentsQuery(zoneId));
  const items = agents.data?.items ?? [];
  const count = (state: string) =>
    agents.data ? items.filter((agent) => agent.state === state).length : undefined;
  return (
    <StatCard
      title="Agents"
      action={
        <Anchor component={Link} to={zonePath(zoneId, 'agents')} size="sm">
          All agents
        </Anchor>
      }
    >
      <ProblemAlert error={agents.error} />
      <Group gap="xl">
        <Figure value={count('online')} label="Online" color="green" />
        <Figure value={count('suspect')} label="Suspect" color="orange" />
        <Figure value={count('offline')} label="Offline" color="gray" />
      </Group>
      {agents.data && items.length === 0 ? (
        <Text size="sm" c="dimmed" mt="sm">
          No agent has joined yet; install one from the Agents page.
        </Text>
      ) : null}
    </StatCard>
  );
}

function PrimaryCard({ zoneId }: { zoneId: number }) {
  const primary = useQuery(zonePrimaryQuery(zoneId));
  const agent = primary.data?.agent;
  return (
    <StatCard title="Primary">
      <ProblemAlert error={primary.error} />
      {primary.data ? (
        agent ? (
          <Stack gap={4}>
            <Text fw={700} size="lg" data-testid="primary-hostname">
              {agent.hostname}
            </Text>
            <Text size="sm" c="dimmed">
              {agent.ip}:{agent.port} · epoch {primary.data.epoch}
            </Text>
            {primary.data.leaseExpiresAt ? (
              <Text size="sm" c="dimmed">
                Lease until {new Date(primary.data.leaseExpiresAt).toLocaleTimeString()}
              </Text>
            ) : null}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            No primary: the zone needs an online agent to elect one; until then its tasks wait.
          </Text>
        )
      ) : null}
    </StatCard>
  );
}

function TasksCard({ zoneId }: { zoneId: number }) {
  const counts = useQueries({ queries: taskGroups.map((group) => taskCountQuery(zoneId, group.statuses)) });
  const failed = counts.find((query) => query.error);
  return (
    <StatCard
      title="Tasks"
      action={
        <Anchor component={Link} to={zonePath(zoneId, 'tasks')} size="sm">
          All tasks
        </Anchor>
      }
    >
      <ProblemAlert error={failed?.error} />
      <Group gap="xl">
        {taskGroups.map((group, index) => (
          <Figure key={group.label} value={counts[index]?.data} label={group.label} color={group.color} />
        ))}
      </Group>
    </StatCard>
  );
}

function RecentFailures({ zoneId }: { zoneId: number }) {
  const failures = useQuery(recentFailuresQuery(zoneId));
  const items = failures.data?.items ?? [];
  return (
    <StatCard title="Recent failures">
      <ProblemAlert error={failures.error} />
      {failures.data && items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No failed tasks.
        </Text>
      ) : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={420}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Task</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Step</Table.Th>
                <Table.Th>Finished</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((task) => (
                <Table.Tr key={task.id}>
                  <Table.Td>
                    <Anchor component={Link} to={zonePath(zoneId, `tasks/${task.id}`)}>
                      {task.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Badge color="red" variant="light">
                      {task.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {task.failedStep ?? task.currentStep} of {task.totalStepCount}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {task.finishedAt ? new Date(task.finishedAt).toLocaleString() : '–'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </StatCard>
  );
}

/** The zone at a glance; kept current by the live stream (the layout invalidates on events). */
export function OverviewPage() {
  const zoneId = useZoneId();
  const zone = useQuery(zoneQuery(zoneId));
  return (
    <>
      <PageHeader
        title={zone.data ? `Zone ${zone.data.name}` : 'Zone'}
        description={zone.data ? `Platform ${zone.data.platform} · updates live` : undefined}
      />
      <ProblemAlert error={zone.error} />
      {zone.isError ? null : (
        <Stack>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <AgentsCard zoneId={zoneId} />
            <PrimaryCard zoneId={zoneId} />
          </SimpleGrid>
          <TasksCard zoneId={zoneId} />
          <RecentFailures zoneId={zoneId} />
        </Stack>
      )}
    </>
  );
}
