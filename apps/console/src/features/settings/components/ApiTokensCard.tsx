import type { ApiToken } from '@outpost/shared';
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmButton } from '../../../components/ConfirmButton';
import { CopyCommand } from '../../../components/CopyCommand';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { apiTokensQuery, authKeys, createApiToken, revokeApiToken } from '../../auth/api/auth.queries';

function tokenState(token: ApiToken, now: number): { label: string; color: string } {
  if (token.revokedAt) return { label: 'Revoked', color: 'gray' };
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return { label: 'Expired', color: 'gray' };
  return { label: 'Active', color: 'green' };
}

function formatDate(value: string | null, none: string): string {
  return value ? new Date(value).toLocaleString() : none;
}

function CreateTokenForm({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [days, setDays] = useState<number | string>(90);
  const create = useMutation({
    mutationFn: createApiToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authKeys.tokens() }),
  });
  const errors = fieldErrors(create.error);

  if (create.data) {
    return (
      <Stack>
        <Alert color="yellow" title="Copy the token now">
          It is shown only this once. Send it as <code>Authorization: Bearer &lt;token&gt;</code>; it acts
          with your role.
        </Alert>
        <CopyCommand command={create.data.secret} label="Copy token" />
        <Button onClick={onClose} w="fit-content">
          Done
        </Button>
      </Stack>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), ...(typeof days === 'number' ? { expiresInDays: days } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {errors.name || errors.expiresInDays ? null : <ProblemAlert error={create.error} />}
        <TextInput
          label="Name"
          description="What the token is for, e.g. backup script"
          required
          data-autofocus
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.name}
        />
        <NumberInput
          label="Expires after (days)"
          description="Leave empty for a token that does not expire"
          min={1}
          max={3650}
          value={days}
          onChange={setDays}
          error={errors.expiresInDays}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Personal API tokens for scripts: created here, shown once, revoked here. */
export function ApiTokensCard() {
  const queryClient = useQueryClient();
  const tokens = useQuery(apiTokensQuery());
  const [creating, setCreating] = useState(false);
  const [now] = useState(() => Date.now());
  const items = tokens.data?.items ?? [];
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="tokens-title">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="tokens-title">
          Personal API tokens
        </Title>
        <Button size="sm" onClick={() => setCreating(true)}>
          Create token
        </Button>
      </Group>
      <Text size="sm" c="dimmed" mb="md">
        For scripts that call the API as you. They survive password changes; revoke one you no longer need.
      </Text>
      <ProblemAlert error={tokens.error} />
      {tokens.data && items.length === 0 ? (
        <Text size="sm" c="dimmed">
          You have no tokens.
        </Text>
      ) : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={620}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Starts with</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th>Expires</Table.Th>
                <Table.Th aria-label="Actions" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((token) => {
                const state = tokenState(token, now);
                return (
                  <Table.Tr key={token.id}>
                    <Table.Td>{token.name}</Table.Td>
                    <Table.Td>
                      <code>{token.prefix}…</code>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={state.color} variant="light">
                        {state.label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatDate(token.lastUsedAt, 'Never')}</Table.Td>
                    <Table.Td>{formatDate(token.expiresAt, 'Never')}</Table.Td>
                    <Table.Td>
                      {token.revokedAt ? null : (
                        <ConfirmButton
                          size="xs"
                          variant="light"
                          title={`Revoke ${token.name}?`}
                          message="Scripts using this token are refused from now on. This cannot be undone."
                          confirmLabel="Revoke token"
                          onConfirm={async () => {
                            await revokeApiToken(token.id);
                            await queryClient.invalidateQueries({ queryKey: authKeys.tokens() });
                          }}
                        >
                          Revoke
                        </ConfirmButton>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      <Modal
        opened={creating}
        onClose={() => setCreating(false)}
        title="Create a personal API token"
        centered
      >
        {creating ? <CreateTokenForm onClose={() => setCreating(false)} /> : null}
      </Modal>
    </Card>
  );
}
