import type { TaskSummary } from '@outpost/shared';
import { Anchor, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { zonePath } from '../../../app/zone';
import { targetText } from '../target-text';
import { TaskStatusBadge } from './TaskStatusBadge';

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function TaskTable({ zoneId, tasks }: { zoneId: number; tasks: TaskSummary[] }) {
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table striped highlightOnHover aria-label="Tasks">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>#</Table.Th>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Ran on</Table.Th>
            <Table.Th>Step</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Next run</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tasks.map((task) => (
            <Table.Tr key={task.id}>
              <Table.Td>{task.id}</Table.Td>
              <Table.Td>
                <Anchor component={Link} to={zonePath(zoneId, `tasks/${task.id}`)}>
                  {task.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{task.taskType}</Table.Td>
              <Table.Td>
                <TaskStatusBadge status={task.status} />
              </Table.Td>
              <Table.Td>{targetText(task.target)}</Table.Td>
              <Table.Td>
                {task.exeAgentKey ?? (
                  <Text span c="dimmed">
                    —
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {task.currentStep}/{task.totalStepCount}
                {task.failedStep !== null ? ` (failed at ${task.failedStep})` : ''}
              </Table.Td>
              <Table.Td>{when(task.createdAt)}</Table.Td>
              <Table.Td>{when(task.nextRunAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
