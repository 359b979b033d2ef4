import type { Credential } from '@outpost/shared';
import { Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSession } from '../../../app/session';
import { useZoneId } from '../../../app/zone';
import { ConfirmButton, PageHeader, Paged, ProblemAlert } from '../../../components';
import {
  CREDENTIALS_PAGE_SIZE,
  credentialKeys,
  credentialsQuery,
  deleteCredential,
} from '../api/credentials.queries';
import { CredentialDialog } from '../components/CredentialDialog';

type Dialog = { kind: 'add' } | { kind: 'replace'; credential: Credential } | null;

/** The zone's credentials by key; their values are never shown. */
export function CredentialsPage() {
  const zoneId = useZoneId();
  const { canChange } = useSession();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<Dialog>(null);
  const credentials = useQuery(credentialsQuery(zoneId, page));

  const remove = async (credential: Credential) => {
    await deleteCredential(zoneId, credential.id);
    await queryClient.invalidateQueries({ queryKey: credentialKeys.zone(zoneId) });
  };

  return (
    <Stack>
      <PageHeader
        title="Credentials"
        description="Secrets that tasks use as {{KEY}} in their parameter; the agent fills them in when the task runs."
        actions={
          canChange ? <Button onClick={() => setDialog({ kind: 'add' })}>Add credential</Button> : undefined
        }
      />
      {credentials.isError ? <ProblemAlert error={credentials.error} /> : null}
      {credentials.isPending ? <Text>Loading credentials…</Text> : null}
      {credentials.data?.total === 0 ? <Text c="dimmed">This zone has no credentials yet.</Text> : null}
      {credentials.data && credentials.data.items.length > 0 ? (
        <Table.ScrollContainer minWidth={500}>
          <Table striped aria-label="Credentials">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Key</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Updated</Table.Th>
                {canChange ? <Table.Th>Actions</Table.Th> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {credentials.data.items.map((credential) => (
                <Table.Tr key={credential.id}>
                  <Table.Td>
                    <Code>{credential.key}</Code>
                  </Table.Td>
                  <Table.Td>{new Date(credential.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td>{new Date(credential.updatedAt).toLocaleString()}</Table.Td>
                  {canChange ? (
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <Button
                          size="compact-sm"
                          variant="light"
                          onClick={() => setDialog({ kind: 'replace', credential })}
                          aria-label={`Replace the value of ${credential.key}`}
                        >
                          Replace value
                        </Button>
                        <ConfirmButton
                          size="compact-sm"
                          variant="light"
                          title={`Delete credential ${credential.key}?`}
                          message={`Tasks that start from now on get {{${credential.key}}} literally, not a value, until it is added again.`}
                          onConfirm={() => remove(credential)}
                          aria-label={`Delete ${credential.key}`}
                        >
                          Delete
                        </ConfirmButton>
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {credentials.data ? (
        <Paged
          page={page}
          pageSize={CREDENTIALS_PAGE_SIZE}
          total={credentials.data.total}
          onChange={setPage}
        />
      ) : null}
      <CredentialDialog
        key={dialog?.kind === 'replace' ? dialog.credential.id : 'add'}
        zoneId={zoneId}
        {...(dialog?.kind === 'replace' ? { credential: dialog.credential } : {})}
        opened={dialog !== null}
        onClose={() => setDialog(null)}
      />
    </Stack>
  );
}
