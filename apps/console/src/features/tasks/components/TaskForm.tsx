import { Alert, Button, Divider, Group, List, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { fieldErrors, ProblemAlert } from '../../../components';
import type { TaskDraft } from '../task-draft';
import { DeliveryFields } from './DeliveryFields';
import { ParameterField } from './ParameterField';
import { ScheduleFields } from './ScheduleFields';
import { StepsEditor } from './StepsEditor';
import { TargetFields } from './TargetFields';

interface TaskFormProps {
  zoneId: number;
  initial: TaskDraft;
  submitting: boolean;
  error: unknown;
  onSubmit: (draft: TaskDraft) => void;
  onCancel: () => void;
}

/** Fields the form shows errors next to; anything else is listed above the submit button. */
const placedFields = [
  /^name$/,
  /^steps(\.\d+\.(command|commandName))?$/,
  /^target(\..*)?$/,
  /^agentKey$/,
  /^(taskType|schedule|timeZone|cron|untilRun|overlapPolicy)$/,
  /^(timeout|maxRetries|retryBackoffSeconds|callbackUrl|eventHookSendingType|parameter)$/,
];

export function TaskForm({ zoneId, initial, submitting, error, onSubmit, onCancel }: TaskFormProps) {
  const [draft, setDraft] = useState(initial);
  const errors = fieldErrors(error);
  const unplaced = Object.entries(errors).filter(([field]) => !placedFields.some((re) => re.test(field)));
  const patch = (change: Partial<TaskDraft>) => setDraft((current) => ({ ...current, ...change }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(draft);
  };

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="lg" maw={900}>
        <TextInput
          label="Name"
          value={draft.name}
          onChange={(event) => patch({ name: event.currentTarget.value })}
          error={errors['name']}
          maxLength={100}
          required
          data-autofocus
        />
        <StepsEditor steps={draft.steps} errors={errors} onChange={(steps) => patch({ steps })} />
        <Divider />
        <TargetFields zoneId={zoneId} draft={draft} errors={errors} onChange={patch} />
        <Divider />
        <ScheduleFields draft={draft} errors={errors} onChange={patch} />
        <Divider />
        <ParameterField
          zoneId={zoneId}
          value={draft.parameter}
          error={errors['parameter']}
          onChange={(parameter) => patch({ parameter })}
        />
        <Divider />
        <DeliveryFields draft={draft} errors={errors} onChange={patch} />
        {unplaced.length > 0 ? (
          <Alert color="red" title="The task was not created" role="alert">
            <List size="sm">
              {unplaced.map(([field, message]) => (
                <List.Item key={field}>{field ? `${field}: ${message}` : message}</List.Item>
              ))}
            </List>
          </Alert>
        ) : null}
        {error && Object.keys(errors).length === 0 ? <ProblemAlert error={error} /> : null}
        {Object.keys(errors).length > 0 && unplaced.length === 0 ? (
          <Alert color="red" role="alert">
            Some fields need a change; see the messages next to them.
          </Alert>
        ) : null}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={submitting}>
            Create task
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
