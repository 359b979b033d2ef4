import { overlapPolicies, taskTypes } from '@outpost/shared';
import { Select, SegmentedControl, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMemo } from 'react';
import type { TaskDraft } from '../task-draft';
import { CronPreview } from './CronPreview';

interface ScheduleFieldsProps {
  draft: TaskDraft;
  errors: Record<string, string>;
  onChange: (patch: Partial<TaskDraft>) => void;
}

const typeLabels: Record<(typeof taskTypes)[number], string> = {
  atOnce: 'Once',
  iteration: 'Repeating (cron)',
  longTerm: 'Long-running',
};

function timeZoneOptions(): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes('UTC') ? zones : ['UTC', ...zones];
}

/** Task type and when it runs: start time, cron with a preview, time zone, end and overlap. */
export function ScheduleFields({ draft, errors, onChange }: ScheduleFieldsProps) {
  // Four choices do not fit side by side on a phone.
  const isNarrow = useMediaQuery('(max-width: 36em)') ?? false;
  const zones = useMemo(() => timeZoneOptions(), []);
  const isIteration = draft.taskType === 'iteration';

  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Type and schedule
      </Title>
      <SegmentedControl
        aria-label="Task type"
        orientation={isNarrow ? 'vertical' : 'horizontal'}
        value={draft.taskType}
        onChange={(value) => onChange({ taskType: taskTypes.find((type) => type === value) ?? 'atOnce' })}
        data={taskTypes.map((type) => ({ value: type, label: typeLabels[type] }))}
        fullWidth
      />
      {errors['taskType'] ? (
        <Text c="red" size="sm">
          {errors['taskType']}
        </Text>
      ) : null}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          type="datetime-local"
          label="Start at"
          description="Your local time; empty to start now"
          value={draft.schedule}
          onChange={(event) => onChange({ schedule: event.currentTarget.value })}
          error={errors['schedule']}
        />
        <Select
          label="Time zone"
          description="The cron expression is read in this zone"
          data={zones}
          value={draft.timeZone}
          onChange={(value) => onChange({ timeZone: value ?? 'UTC' })}
          error={errors['timeZone']}
          searchable
          limit={50}
          allowDeselect={false}
        />
      </SimpleGrid>
      {isIteration ? (
        <>
          <TextInput
            label="Cron"
            description="5 fields (minute hour day month weekday), or 6 with seconds first"
            placeholder="*/15 * * * *"
            value={draft.cron}
            onChange={(event) => onChange({ cron: event.currentTarget.value })}
            error={errors['cron']}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            required
          />
          <CronPreview cron={draft.cron} timeZone={draft.timeZone} />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput
              type="datetime-local"
              label="Repeat until"
              description="Your local time; empty to repeat for ever"
              value={draft.untilRun}
              onChange={(event) => onChange({ untilRun: event.currentTarget.value })}
              error={errors['untilRun']}
            />
            <Select
              label="When the previous run is still running"
              data={overlapPolicies.map((policy) => ({
                value: policy,
                label: policy === 'skip' ? 'Skip this run' : 'Queue one run',
              }))}
              value={draft.overlapPolicy}
              onChange={(value) =>
                onChange({ overlapPolicy: overlapPolicies.find((policy) => policy === value) ?? 'skip' })
              }
              error={errors['overlapPolicy']}
              allowDeselect={false}
            />
          </SimpleGrid>
        </>
      ) : null}
    </Stack>
  );
}
