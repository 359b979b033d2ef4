import { taskStatuses, taskTypes } from '@outpost/shared';
import { Button, Group, MultiSelect, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { emptyTaskFilters, type TaskFilters } from '../api/tasks.queries';
import { isoToLocalInput, localInputToIso } from '../task-filters-url';

interface TaskFilterBarProps {
  filters: TaskFilters;
  onChange: (filters: TaskFilters) => void;
}

const typeOptions = [{ value: '', label: 'Every type' }, ...taskTypes.map((t) => ({ value: t, label: t }))];

/** Status, type, agent, name and creation-time filters; text fields apply after a short pause. */
export function TaskFilterBar({ filters, onChange }: TaskFilterBarProps) {
  const [name, setName] = useState(filters.name);
  const [agentKey, setAgentKey] = useState(filters.agentKey);
  const commitText = useDebouncedCallback(
    (next: Partial<TaskFilters>) => onChange({ ...filters, ...next }),
    400,
  );
  const isFiltered = JSON.stringify(filters) !== JSON.stringify(emptyTaskFilters);

  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
      <MultiSelect
        label="Status"
        placeholder={filters.statuses.length ? undefined : 'Any status'}
        data={[...taskStatuses]}
        value={filters.statuses}
        onChange={(values) =>
          onChange({ ...filters, statuses: taskStatuses.filter((status) => values.includes(status)) })
        }
        clearable
        searchable
      />
      <Select
        label="Type"
        data={typeOptions}
        value={filters.taskType ?? ''}
        allowDeselect={false}
        onChange={(value) =>
          onChange({ ...filters, taskType: taskTypes.find((type) => type === value) ?? null })
        }
      />
      <TextInput
        label="Name contains"
        value={name}
        onChange={(event) => {
          setName(event.currentTarget.value);
          commitText({ name: event.currentTarget.value });
        }}
      />
      <TextInput
        label="Agent key"
        value={agentKey}
        onChange={(event) => {
          setAgentKey(event.currentTarget.value);
          commitText({ agentKey: event.currentTarget.value });
        }}
      />
      <TextInput
        type="datetime-local"
        label="Created from"
        value={isoToLocalInput(filters.createdFrom)}
        onChange={(event) =>
          onChange({ ...filters, createdFrom: localInputToIso(event.currentTarget.value) })
        }
      />
      <TextInput
        type="datetime-local"
        label="Created to"
        value={isoToLocalInput(filters.createdTo)}
        onChange={(event) => onChange({ ...filters, createdTo: localInputToIso(event.currentTarget.value) })}
      />
      <Group align="flex-end">
        <Button
          variant="default"
          disabled={!isFiltered}
          onClick={() => {
            setName('');
            setAgentKey('');
            onChange(emptyTaskFilters);
          }}
        >
          Clear filters
        </Button>
      </Group>
    </SimpleGrid>
  );
}
