import type { IssuedApiKey } from '@outpost/shared';
import { Alert, Button, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { CopyCommand, fieldErrors, ProblemAlert } from '../../../components';
import { apiKeyKeys, createApiKey, rotateApiKeys } from '../api/api-keys.queries';

interface IssueKeyDialogProps {
  zoneId: number;
  /** `rotate` also revokes every other key of the zone. */
  mode: 'create' | 'rotate';
  opened: boolean;
  onClose: () => void;
}

/** Names and issues a key, then shows its secret once. */
export function IssueKeyDialog({ zoneId, mode, opened, onClose }: IssueKeyDialogProps) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const issue = useMutation({
    mutationFn: async (): Promise<IssuedApiKey & { revokedIds: number[] }> => {
      const body = name.trim() ? { name: name.trim() } : {};
      if (mode === 'rotate') return rotateApiKeys(zoneId, body);
      return { ...(await createApiKey(zoneId, body)), revokedIds: [] };
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeyKeys.zone(zoneId) }),
  });
  const errors = fieldErrors(issue.error);
  const close = () => {
    setName('');
    issue.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    issue.mutate();
  };
  const revokedCount = issue.data?.revokedIds.length ?? 0;

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={mode === 'rotate' ? 'Rotate API keys' : 'Create an API key'}
      size="lg"
    >
      {issue.data ? (
        <Stack>
          <Alert color="yellow" title="Shown once">
            Copy the secret now: the manager keeps only its hash and cannot show it again.
          </Alert>
          <CopyCommand command={issue.data.secret} label="Copy secret" />
          {mode === 'rotate' ? (
            <Text size="sm">
              {revokedCount} older key{revokedCount === 1 ? ' was' : 's were'} revoked.
            </Text>
          ) : null}
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {mode === 'rotate' ? (
              <Alert color="orange">
                A new key is issued and every other key of this zone is revoked at once. Agents that already
                joined keep working: they use their own credential.
              </Alert>
            ) : null}
            <TextInput
              label="Name"
              description="What the key is for (optional)"
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={errors['name']}
              maxLength={100}
              data-autofocus
            />
            {issue.isError && Object.keys(errors).length === 0 ? <ProblemAlert error={issue.error} /> : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                type="submit"
                loading={issue.isPending}
                color={mode === 'rotate' ? 'orange' : undefined}
              >
                {mode === 'rotate' ? 'Rotate keys' : 'Create key'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
