import { isTerminalTaskStatus, type TaskDetail } from '@outpost/shared';
import { Button, Modal } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { zonePath } from '../../../app/zone';
import { ConfirmButton } from '../../../components';
import { cancelTask, createTask, taskKeys } from '../api/tasks.queries';
import { draftToRequest, taskToDraft } from '../task-draft';
import { CreatedTaskSecret } from './CreatedTaskSecret';

/** Cancel (while it can still be), run again as it is, or open a copy in the form. */
export function TaskActions({ task }: { task: TaskDetail }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const canCancel = !isTerminalTaskStatus(task.status);
  // The new task's callback secret, shown once before going to it.
  const [created, setCreated] = useState<{ id: number; secret: string } | null>(null);
  const goTo = async (id: number) => {
    setCreated(null);
    await navigate(zonePath(task.zoneId, `tasks/${id}`));
  };

  const cancel = async () => {
    const updated = await cancelTask(task.id);
    queryClient.setQueryData(taskKeys.detail(task.id), updated);
    await queryClient.invalidateQueries({ queryKey: taskKeys.lists() });
  };
  const rerun = async () => {
    const next = await createTask(draftToRequest(taskToDraft(task), task.zoneId));
    queryClient.setQueryData(taskKeys.detail(next.id), next);
    void queryClient.invalidateQueries({ queryKey: taskKeys.lists() });
    if (next.callbackSecret) setCreated({ id: next.id, secret: next.callbackSecret });
    else await goTo(next.id);
  };

  return (
    <>
      {canCancel ? (
        <ConfirmButton
          title={`Cancel task #${task.id}?`}
          message={
            task.status === 'scheduled' || task.status === 'wait-polling'
              ? 'The task has not started; it will not run.'
              : 'The task is running; its agents stop it on their next call and it ends as stopped.'
          }
          confirmLabel="Cancel task"
          onConfirm={cancel}
        >
          Cancel
        </ConfirmButton>
      ) : null}
      <ConfirmButton
        color="blue"
        variant="light"
        title={`Run task #${task.id} again?`}
        message="A new task is created with the same steps, target and options, and runs now (or at its start time if that is still ahead)."
        confirmLabel="Run again"
        onConfirm={rerun}
      >
        Re-run
      </ConfirmButton>
      <Button variant="default" component={Link} to={`${zonePath(task.zoneId, 'tasks/new')}?from=${task.id}`}>
        Edit as new
      </Button>
      <Modal
        opened={created !== null}
        onClose={() => created && void goTo(created.id)}
        title="Task created"
        size="lg"
      >
        {created ? <CreatedTaskSecret secret={created.secret} onDone={() => void goTo(created.id)} /> : null}
      </Modal>
    </>
  );
}
