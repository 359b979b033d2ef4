import type { TaskStatus } from '@outpost/shared';
import { Badge } from '@mantine/core';

const colours: Record<TaskStatus, string> = {
  scheduled: 'gray',
  'wait-polling': 'gray',
  'hand-over': 'blue',
  'wait-exec': 'blue',
  started: 'cyan',
  running: 'cyan',
  recovering: 'orange',
  'wait-iteration-schedule': 'indigo',
  complete: 'green',
  failed: 'red',
  'failed-recover': 'red',
  canceled: 'gray',
  stopped: 'yellow',
  timeout: 'orange',
};

export function TaskStatusBadge({ status }: { status: TaskStatus }) {
  return (
    <Badge styles={{ label: { overflow: 'visible' } }} color={colours[status]} variant="light">
      {status}
    </Badge>
  );
}
