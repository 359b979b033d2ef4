import {
  ActionIcon,
  Button,
  Group,
  Select,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { agentOptionsQuery } from '../../agents/api/agents.queries';
import type { LabelDraft, TargetKind, TaskDraft } from '../task-draft';

interface TargetFieldsProps {
  zoneId: number;
  draft: TaskDraft;
  errors: Record<string, string>;
  onChange: (patch: Partial<TaskDraft>) => void;
}

const kinds: { value: TargetKind; label: string }[] = [
  { value: 'any', label: 'Any agent' },
  { value: 'agent', label: 'One agent' },
  { value: 'all', label: 'All agents' },
  { value: 'labels', label: 'By labels' },
];

function LabelRows({ labels, onChange }: { labels: LabelDraft[]; onChange: (labels: LabelDraft[]) => void }) {
  const set = (index: number, patch: Partial<LabelDraft>) =>
    onChange(labels.map((label, i) => (i === index ? { ...label, ...patch } : label)));
  return (
    <Stack gap="xs">
      {labels.map((label, index) => (
        <Group key={index} gap="xs" wrap="nowrap" align="flex-end">
          <TextInput
            label={index === 0 ? 'Label key' : undefined}
            aria-label={`Label ${index + 1} key`}
            placeholder="env"
            value={label.key}
            onChange={(event) => set(index, { key: event.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <Text pb={6}>=</Text>
          <TextInput
            label={index === 0 ? 'Value' : undefined}
            aria-label={`Label ${index + 1} value`}
            placeholder="prod"
            value={label.value}
            onChange={(event) => set(index, { value: event.currentTarget.value })}
            style={{ flex: 1 }}
          />
          <ActionIcon
            variant="subtle"
            color="red"
            mb={4}
            disabled={labels.length === 1}
            onClick={() => onChange(labels.filter((_, i) => i !== index))}
            aria-label={`Remove label ${index + 1}`}
          >
            ✕
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="subtle"
        size="xs"
        onClick={() => onChange([...labels, { key: '', value: '' }])}
        style={{ alignSelf: 'flex-start' }}
      >
        Add label
      </Button>
    </Stack>
  );
}

/** Where the task runs: any agent, one agent, every agent, or agents with labels. */
export function TargetFields({ zoneId, draft, errors, onChange }: TargetFieldsProps) {
  // Four choices do not fit side by side on a phone.
  const isNarrow = useMediaQuery('(max-width: 36em)') ?? false;
  const agents = useQuery({ ...agentOptionsQuery(zoneId), enabled: draft.targetKind === 'agent' });
  const agentOptions = (agents.data ?? []).map((agent) => ({
    value: agent.agentKey,
    label: `${agent.agentKey} (${agent.hostname}, ${agent.state})`,
  }));
  if (draft.agentKey && !agentOptions.some((option) => option.value === draft.agentKey)) {
    agentOptions.unshift({ value: draft.agentKey, label: draft.agentKey });
  }
  const targetError = errors['target'] ?? errors['agentKey'];

  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Target
      </Title>
      <SegmentedControl
        value={draft.targetKind}
        onChange={(value) =>
          onChange({ targetKind: kinds.find((kind) => kind.value === value)?.value ?? 'any' })
        }
        data={kinds}
        aria-label="Target"
        orientation={isNarrow ? 'vertical' : 'horizontal'}
        fullWidth
      />
      {draft.targetKind === 'agent' ? (
        <Select
          label="Agent"
          placeholder={agents.isPending ? 'Loading agents…' : 'Pick an agent'}
          data={agentOptions}
          value={draft.agentKey || null}
          onChange={(value) => onChange({ agentKey: value ?? '' })}
          error={errors['target.agentKey'] ?? targetError}
          searchable
          required
        />
      ) : null}
      {draft.targetKind === 'labels' ? (
        <>
          <LabelRows labels={draft.labels} onChange={(labels) => onChange({ labels })} />
          {(errors['target.labels'] ?? targetError) ? (
            <Text c="red" size="sm" role="alert">
              {errors['target.labels'] ?? targetError}
            </Text>
          ) : null}
        </>
      ) : null}
      {draft.targetKind !== 'agent' && draft.targetKind !== 'labels' && targetError ? (
        <Text c="red" size="sm" role="alert">
          {targetError}
        </Text>
      ) : null}
    </Stack>
  );
}
