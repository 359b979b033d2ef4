import { Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';

export interface ZoneFormValues {
  name: string;
  platform: string;
}

/** Create or rename a zone: the manager's field errors appear next to the fields. */
export function ZoneFormModal({
  opened,
  title,
  submitLabel,
  initial,
  onClose,
  onSubmit,
  pending,
  error,
}: {
  opened: boolean;
  title: string;
  submitLabel: string;
  initial: ZoneFormValues;
  onClose: () => void;
  onSubmit: (values: ZoneFormValues) => void;
  pending: boolean;
  error: unknown;
}) {
  const [values, setValues] = useState(initial);
  const errors = fieldErrors(error);
  const shownAtFields = Boolean(errors.name || errors.platform);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit({ name: values.name.trim(), platform: values.platform.trim() });
  };
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered>
      <form onSubmit={submit} noValidate>
        <Stack>
          {shownAtFields ? null : <ProblemAlert error={error} />}
          <TextInput
            label="Name"
            required
            data-autofocus
            value={values.name}
            onChange={(event) => {
              const name = event.currentTarget.value;
              setValues((current) => ({ ...current, name }));
            }}
            error={errors.name}
          />
          <TextInput
            label="Platform"
            description="What the zone's agents run on, e.g. linux or k8s"
            required
            value={values.platform}
            onChange={(event) => {
              const platform = event.currentTarget.value;
              setValues((current) => ({ ...current, platform }));
            }}
            error={errors.platform}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={pending}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
