import { Anchor, Divider, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, Navigate, useParams } from 'react-router';
import { useSession } from '../../../app/session';
import { useZoneId, zonePath } from '../../../app/zone';
import { PageHeader, ProblemAlert } from '../../../components';
import { taskQuery } from '../api/tasks.queries';
import { CallbackDeliveries } from '../components/CallbackDeliveries';
import { TaskActions } from '../components/TaskActions';
import { TaskFacts } from '../components/TaskFacts';
import { TaskLogView } from '../components/TaskLogView';
import { TaskRunsTable } from '../components/TaskRunsTable';
import { TaskStatusBadge } from '../components/TaskStatusBadge';
import { TaskSteps } from '../components/TaskSteps';

function useTaskId(): number | null {
  const id = Number(useParams().taskId);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** One task: definition, runs, and its output as it streams. Status changes arrive live. */
export function TaskDetailPage() {
  const zoneId = useZoneId();
  const taskId = useTaskId();
  const { canChange } = useSession();
  const task = useQuery({ ...taskQuery(taskId ?? 0), enabled: taskId !== null });

  const back = (
    <Anchor component={Link} to={zonePath(zoneId, 'tasks')} size="sm">
      ← All tasks
    </Anchor>
  );
  if (taskId === null) return <Text>There is no task at this address. {back}</Text>;
  if (task.isError)
    return (
      <Stack>
        {back}
        <ProblemAlert error={task.error} />
      </Stack>
    );
  if (!task.data) return <Text>Loading task #{taskId}…</Text>;
  const data = task.data;
  // A task link of another zone: show it under its own zone, so the navigation matches.
  if (data.zoneId !== zoneId) return <Navigate to={zonePath(data.zoneId, `tasks/${data.id}`)} replace />;

  return (
    <Stack gap="lg">
      {back}
      <PageHeader
        title={`#${data.id} ${data.name}`}
        description={
          <Group gap="xs" component="span">
            <TaskStatusBadge status={data.status} />
            {data.isFailedRecover ? (
              <Text span size="sm" c="red">
                the recover step failed too
              </Text>
            ) : null}
          </Group>
        }
        actions={canChange ? <TaskActions task={data} /> : undefined}
      />
      <TaskFacts task={data} />
      <Divider />
      <TaskLogView taskId={data.id} runs={data.runs} showLog={data.showLog} />
      <TaskRunsTable runs={data.runs} />
      <TaskSteps task={data} />
      <CallbackDeliveries taskId={data.id} canChange={canChange} />
    </Stack>
  );
}
