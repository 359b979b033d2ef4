import type { TaskDetail } from '@outpost/shared';
import { Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import { useZoneId, zonePath } from '../../../app/zone';
import { PageHeader, ProblemAlert } from '../../../components';
import { createTask, taskKeys, taskQuery } from '../api/tasks.queries';
import { CreatedTaskSecret } from '../components/CreatedTaskSecret';
import { TaskForm } from '../components/TaskForm';
import { draftToRequest, emptyDraft, type TaskDraft, taskToDraft } from '../task-draft';

/** `?from=<taskId>` starts from another task's definition (Re-run → edit). */
function useSourceTask(): { sourceId: number | null; source: ReturnType<typeof useQuery<TaskDetail>> } {
  const [search] = useSearchParams();
  const raw = Number(search.get('from'));
  const sourceId = Number.isSafeInteger(raw) && raw > 0 ? raw : null;
  const source = useQuery({ ...taskQuery(sourceId ?? 0), enabled: sourceId !== null });
  return { sourceId, source };
}

export function NewTaskPage() {
  const zoneId = useZoneId();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { sourceId, source } = useSourceTask();
  const create = useMutation({
    mutationFn: (draft: TaskDraft) => createTask(draftToRequest(draft, zoneId)),
    onSuccess: (task) => {
      void queryClient.invalidateQueries({ queryKey: taskKeys.lists() });
      queryClient.setQueryData(taskKeys.detail(task.id), task);
      if (!task.callbackSecret) void navigate(zonePath(zoneId, `tasks/${task.id}`));
    },
  });
  const goToTask = (id: number) => void navigate(zonePath(zoneId, `tasks/${id}`));

  let body;
  if (create.data?.callbackSecret) {
    const created = create.data;
    body = <CreatedTaskSecret secret={created.callbackSecret ?? ''} onDone={() => goToTask(created.id)} />;
  } else if (sourceId !== null && source.isPending) {
    body = <Text>Loading task #{sourceId}…</Text>;
  } else if (sourceId !== null && source.isError) {
    body = <ProblemAlert error={source.error} />;
  } else {
    body = (
      <TaskForm
        key={source.data?.id ?? 'new'}
        zoneId={zoneId}
        initial={source.data ? taskToDraft(source.data) : emptyDraft()}
        submitting={create.isPending}
        error={create.error}
        onSubmit={(draft) => create.mutate(draft)}
        onCancel={() => void navigate(zonePath(zoneId, 'tasks'))}
      />
    );
  }

  return (
    <Stack>
      <PageHeader
        title={sourceId !== null ? `New task from #${sourceId}` : 'New task'}
        description="Every option of a task; the manager checks it and points at any field that needs a change."
      />
      {body}
    </Stack>
  );
}
