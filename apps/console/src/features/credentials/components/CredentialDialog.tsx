import type { Credential } from '@outpost/shared';
import { Button, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { fieldErrors, ProblemAlert } from '../../../components';
import { createCredential, credentialKeys, replaceCredentialValue } from '../api/credentials.queries';

interface CredentialDialogProps {
  zoneId: number;
  /** Replace this credential's value; absent to add a new credential. */
  credential?: Credential;
  opened: boolean;
  onClose: () => void;
}

/** Adds a credential, or replaces the value of one; values are write-only. */
export function CredentialDialog({ zoneId, credential, opened, onClose }: CredentialDialogProps) {
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const save = useMutation({
    mutationFn: () =>
      credential
        ? replaceCredentialValue(zoneId, credential.id, { value })
        : createCredential(zoneId, { key: key.trim(), value }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: credentialKeys.zone(zoneId) });
      close();
    },
  });
  const errors = fieldErrors(save.error);
  const close = () => {
    setKey('');
    setValue('');
    save.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={credential ? `Replace the value of ${credential.key}` : 'Add a credential'}
    >
      <form onSubmit={submit}>
        <Stack>
          {credential ? null : (
            <TextInput
              label="Key"
              description="Letters, digits and _; tasks use it as {{KEY}}"
              value={key}
              onChange={(event) => setKey(event.currentTarget.value)}
              error={errors['key']}
              required
              data-autofocus
            />
          )}
          <PasswordInput
            label="Value"
            description="Encrypted at rest and never shown again"
            value={value}
            onChange={(event) => setValue(event.currentTarget.value)}
            error={errors['value']}
            required
            autoComplete="new-password"
          />
          {credential ? (
            <Text size="sm" c="dimmed">
              Tasks that start from now on get the new value.
            </Text>
          ) : null}
          {save.isError && Object.keys(errors).length === 0 ? <ProblemAlert error={save.error} /> : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {credential ? 'Replace value' : 'Add credential'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
