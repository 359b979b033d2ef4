import { Button, Group, Pagination, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { useSession } from '../../../app/session';
import { useZoneId, zonePath } from '../../../app/zone';
import { type TaskFilters, TASKS_PAGE_SIZE, tasksQuery } from '../api/tasks.queries';
import { TaskFilterBar } from '../components/TaskFilterBar';
import { TaskTable } from '../components/TaskTable';
import { filtersFromSearch, searchFromFilters } from '../task-filters-url';
import { PageHeader, ProblemAlert } from '../../../components';

/** The zone's tasks, newest first; status changes arrive live through the layout's stream. */
export function TasksPage() {
  const zoneId = useZoneId();
  const { canChange } = useSession();
  const [search, setSearch] = useSearchParams();
  const { filters, page } = filtersFromSearch(search);
  const tasks = useQuery(tasksQuery(zoneId, page, filters));
  const pages = tasks.data ? Math.max(1, Math.ceil(tasks.data.total / TASKS_PAGE_SIZE)) : 1;

  const show = (next: TaskFilters, nextPage: number) =>
    setSearch(searchFromFilters(next, nextPage), { replace: true });

  return (
    <Stack>
      <PageHeader
        title="Tasks"
        actions={
          canChange ? (
            <Button component={Link} to={zonePath(zoneId, 'tasks/new')}>
              New task
            </Button>
          ) : undefined
        }
      />
      <TaskFilterBar filters={filters} onChange={(next) => show(next, 1)} />
      {tasks.isError ? <ProblemAlert error={tasks.error} /> : null}
      {tasks.isPending ? <Text>Loading tasks…</Text> : null}
      {tasks.data ? (
        <Text size="sm" c="dimmed" aria-live="polite">
          {tasks.data.total} task{tasks.data.total === 1 ? '' : 's'}
        </Text>
      ) : null}
      {tasks.data && tasks.data.items.length > 0 ? (
        <TaskTable zoneId={zoneId} tasks={tasks.data.items} />
      ) : null}
      {pages > 1 ? (
        <Group justify="flex-end">
          <Pagination
            total={pages}
            value={page}
            onChange={(next) => show(filters, next)}
            aria-label="Task pages"
          />
        </Group>
      ) : null}
    </Stack>
  );
}
