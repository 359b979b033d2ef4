import { Code, Group, Pagination, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ELECTIONS_PAGE_SIZE, electionsQuery } from '../api/agents.queries';
import { ProblemAlert } from '../../../components';

const reasons: Record<string, string> = {
  'first-primary': 'first primary of the zone',
  'primary-unreachable': 'previous primary unreachable',
  'lease-expired': 'lease expired',
};

function AgentKey({ value }: { value: string | null }) {
  return value ? (
    <Code>{value}</Code>
  ) : (
    <Text span c="dimmed">
      none
    </Text>
  );
}

/** Who held the zone's primary lease, newest first. */
export function ElectionHistory({ zoneId }: { zoneId: number }) {
  const [page, setPage] = useState(1);
  const elections = useQuery(electionsQuery(zoneId, page));
  const pages = elections.data ? Math.ceil(elections.data.total / ELECTIONS_PAGE_SIZE) : 0;

  return (
    <section aria-labelledby="elections-title">
      <Title order={2} size="h4" id="elections-title" mb="xs">
        Primary elections
      </Title>
      {elections.isError ? <ProblemAlert error={elections.error} /> : null}
      {elections.data && elections.data.total === 0 ? (
        <Text c="dimmed">No primary has been elected in this zone yet.</Text>
      ) : null}
      {elections.data && elections.data.total > 0 ? (
        <>
          <Table.ScrollContainer minWidth={600}>
            <Table aria-labelledby="elections-title">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Epoch</Table.Th>
                  <Table.Th>Agent</Table.Th>
                  <Table.Th>Previous</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Time</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {elections.data.items.map((election) => (
                  <Table.Tr key={election.id}>
                    <Table.Td>{election.epoch}</Table.Td>
                    <Table.Td>
                      <AgentKey value={election.agentKey} />
                    </Table.Td>
                    <Table.Td>
                      <AgentKey value={election.previousAgentKey} />
                    </Table.Td>
                    <Table.Td>{reasons[election.reason] ?? election.reason}</Table.Td>
                    <Table.Td>{new Date(election.electedAt).toLocaleString()}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {pages > 1 ? (
            <Group justify="flex-end" mt="xs">
              <Pagination
                total={pages}
                value={page}
                onChange={setPage}
                size="sm"
                aria-label="Election pages"
              />
            </Group>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
