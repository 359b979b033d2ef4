import type { TaskStatus } from '@outpost/shared';

export interface TaskGroup {
  label: string;
  color: string;
  statuses: readonly TaskStatus[];
}

/** Klevr's fourteen statuses, in the five groups an operator thinks in. */
export const taskGroups: readonly TaskGroup[] = [
  {
    label: 'Waiting',
    color: 'gray',
    statuses: ['scheduled', 'wait-polling', 'hand-over', 'wait-exec', 'wait-iteration-schedule'],
  },
  { label: 'Running', color: 'blue', statuses: ['started', 'running', 'recovering'] },
  { label: 'Complete', color: 'green', statuses: ['complete'] },
  { label: 'Failed', color: 'red', statuses: ['failed', 'failed-recover', 'timeout'] },
  { label: 'Canceled', color: 'yellow', statuses: ['canceled', 'stopped'] },
];
