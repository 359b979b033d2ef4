import {
  ActionIcon,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { commandsQuery } from '../api/tasks.queries';
import type { StepDraft } from '../task-draft';
import { ReservedCommandInfo } from './ReservedCommandInfo';

interface StepCardProps {
  index: number;
  count: number;
  step: StepDraft;
  errors: Record<string, string>;
  onChange: (step: StepDraft) => void;
  onMove: (offset: -1 | 1) => void;
  onRemove: () => void;
}

/** One step: an inline script, or a reserved command picked from the manager's catalogue. */
export function StepCard({ index, count, step, errors, onChange, onMove, onRemove }: StepCardProps) {
  const commands = useQuery(commandsQuery());
  const number = index + 1;
  const error = (field: string) => errors[`steps.${index}.${field}`];
  const descriptor = step.commandType === 'reserved' ? commands.data?.[step.command] : undefined;

  return (
    <Paper withBorder p="sm" component="fieldset" aria-label={`Step ${number}`} style={{ minWidth: 0 }}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Group gap="sm">
            <Text fw={600}>Step {number}</Text>
            <SegmentedControl
              size="xs"
              value={step.commandType}
              onChange={(value) =>
                onChange({ ...step, commandType: value === 'reserved' ? 'reserved' : 'inline', command: '' })
              }
              data={[
                { value: 'inline', label: 'Script' },
                { value: 'reserved', label: 'Reserved command' },
              ]}
              aria-label={`Step ${number} kind`}
            />
          </Group>
          <Group gap={4}>
            <ActionIcon
              variant="subtle"
              disabled={index === 0}
              onClick={() => onMove(-1)}
              aria-label={`Move step ${number} up`}
            >
              ↑
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              disabled={index === count - 1}
              onClick={() => onMove(1)}
              aria-label={`Move step ${number} down`}
            >
              ↓
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              disabled={count === 1}
              onClick={onRemove}
              aria-label={`Remove step ${number}`}
            >
              ✕
            </ActionIcon>
          </Group>
        </Group>
        {step.commandType === 'inline' ? (
          <>
            <TextInput
              label="Step name"
              placeholder={`step ${number}`}
              value={step.commandName}
              onChange={(event) => onChange({ ...step, commandName: event.currentTarget.value })}
              error={error('commandName')}
            />
            <Textarea
              label="Script"
              description="Runs in a shell on the agent; the task parameter is in $TASK_ORIGIN_PARAM"
              autosize
              minRows={3}
              maxRows={16}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              value={step.command}
              onChange={(event) => onChange({ ...step, command: event.currentTarget.value })}
              error={error('command')}
              required
            />
          </>
        ) : (
          <>
            <Select
              label="Command"
              placeholder={commands.isPending ? 'Loading commands…' : 'Pick a command'}
              data={Object.keys(commands.data ?? {})}
              value={step.command || null}
              onChange={(value) => onChange({ ...step, command: value ?? '', commandName: value ?? '' })}
              error={
                error('command') ?? (commands.isError ? 'The command list could not be loaded' : undefined)
              }
              searchable
              required
            />
            {descriptor ? (
              <ReservedCommandInfo
                description={descriptor.description}
                parameterModel={descriptor.parameterModel}
              />
            ) : null}
          </>
        )}
        <Switch
          label="Recover step (runs only when an earlier step failed)"
          checked={step.isRecover}
          onChange={(event) => onChange({ ...step, isRecover: event.currentTarget.checked })}
        />
      </Stack>
    </Paper>
  );
}
