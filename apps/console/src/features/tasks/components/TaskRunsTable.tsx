import type { TaskRun } from '@outpost/shared';
import { Table, Text, Title } from '@mantine/core';
import { TaskStatusBadge } from './TaskStatusBadge';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** Every run of the task (attempts, iterations, one per agent for `all`), newest first. */
export function TaskRunsTable({ runs }: { runs: TaskRun[] }) {
  return (
    <div>
      <Title order={2} size="h4" mb="xs" id="task-runs-title">
        Runs
      </Title>
      {runs.length === 0 ? (
        <Text size="sm" c="dimmed">
          No run yet.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={700}>
          <Table aria-labelledby="task-runs-title">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Run</Table.Th>
                <Table.Th>Agent</Table.Th>
                <Table.Th>Attempt</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Step</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Finished</Table.Th>
                <Table.Th>Error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...runs]
                .sort((a, b) => b.id - a.id)
                .map((run) => (
                  <Table.Tr key={run.id}>
                    <Table.Td>{run.id}</Table.Td>
                    <Table.Td>{run.agentKey ?? '—'}</Table.Td>
                    <Table.Td>{run.attempt}</Table.Td>
                    <Table.Td>
                      <TaskStatusBadge status={run.status} />
                    </Table.Td>
                    <Table.Td>
                      {run.currentStep}
                      {run.failedStep !== null ? ` (failed at ${run.failedStep})` : ''}
                    </Table.Td>
                    <Table.Td>{when(run.startedAt)}</Table.Td>
                    <Table.Td>{when(run.finishedAt)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c={run.error ? 'red' : 'dimmed'}>
                        {run.error ?? '—'}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </div>
  );
}
