import { eventFilters } from '@outpost/shared';
import { NumberInput, Select, SimpleGrid, Stack, Switch, TextInput, Title } from '@mantine/core';
import type { TaskDraft } from '../task-draft';

interface DeliveryFieldsProps {
  draft: TaskDraft;
  errors: Record<string, string>;
  onChange: (patch: Partial<TaskDraft>) => void;
}

const filterLabels: Record<(typeof eventFilters)[number], string> = {
  'all-statuses': 'Every status change',
  'conclusion-statuses': 'Final statuses only',
  'both-ends': 'Start and end',
  success: 'Success only',
  failed: 'Failure only',
  'changed-result': 'When the result changes',
  'each-steps': 'After each step',
};

const toNumber = (value: number | string) => (typeof value === 'number' ? value : Number(value) || 0);

/** Timeout, retries, callback URL and which status changes it hears about, and the log switch. */
export function DeliveryFields({ draft, errors, onChange }: DeliveryFieldsProps) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Limits, retries and notifications
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
        <NumberInput
          label="Timeout (seconds)"
          description="0 means no timeout"
          min={0}
          max={604_800}
          value={draft.timeout}
          onChange={(value) => onChange({ timeout: toNumber(value) })}
          error={errors['timeout']}
        />
        <NumberInput
          label="Retries"
          min={0}
          max={10}
          value={draft.maxRetries}
          onChange={(value) => onChange({ maxRetries: toNumber(value) })}
          error={errors['maxRetries']}
        />
        <NumberInput
          label="First retry after (seconds)"
          description="Doubles with each attempt"
          min={1}
          max={3600}
          value={draft.retryBackoffSeconds}
          onChange={(value) => onChange({ retryBackoffSeconds: toNumber(value) })}
          error={errors['retryBackoffSeconds']}
        />
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          type="url"
          label="Callback URL"
          description="Gets a signed POST on the status changes chosen here"
          placeholder="https://example.com/outpost-callback"
          value={draft.callbackUrl}
          onChange={(event) => onChange({ callbackUrl: event.currentTarget.value })}
          error={errors['callbackUrl']}
        />
        <Select
          label="Send events on"
          data={eventFilters.map((filter) => ({ value: filter, label: filterLabels[filter] }))}
          value={draft.eventHookSendingType}
          onChange={(value) =>
            onChange({
              eventHookSendingType: eventFilters.find((filter) => filter === value) ?? 'all-statuses',
            })
          }
          error={errors['eventHookSendingType']}
          allowDeselect={false}
        />
      </SimpleGrid>
      <Switch
        label="Keep the output log"
        checked={draft.showLog}
        onChange={(event) => onChange({ showLog: event.currentTarget.checked })}
      />
    </Stack>
  );
}
