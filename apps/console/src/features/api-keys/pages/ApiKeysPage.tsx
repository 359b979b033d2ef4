import { Button, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSession } from '../../../app/session';
import { useZoneId } from '../../../app/zone';
import { PageHeader, Paged, ProblemAlert } from '../../../components';
import { API_KEYS_PAGE_SIZE, apiKeyKeys, apiKeysQuery, revokeApiKey } from '../api/api-keys.queries';
import { ApiKeyTable } from '../components/ApiKeyTable';
import { IssueKeyDialog } from '../components/IssueKeyDialog';

/** The zone's API keys: secrets are shown once at creation, then only their prefix. */
export function ApiKeysPage() {
  const zoneId = useZoneId();
  const { canChange } = useSession();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<'create' | 'rotate' | null>(null);
  const keys = useQuery(apiKeysQuery(zoneId, page));

  const revoke = async (keyId: number) => {
    await revokeApiKey(zoneId, keyId);
    await queryClient.invalidateQueries({ queryKey: apiKeyKeys.zone(zoneId) });
  };

  return (
    <Stack>
      <PageHeader
        title="API keys"
        description="Keys let scripts and Klevr clients call the API for this zone."
        actions={
          canChange ? (
            <>
              <Button variant="light" color="orange" onClick={() => setDialog('rotate')}>
                Rotate
              </Button>
              <Button onClick={() => setDialog('create')}>Create key</Button>
            </>
          ) : undefined
        }
      />
      {keys.isError ? <ProblemAlert error={keys.error} /> : null}
      {keys.isPending ? <Text>Loading API keys…</Text> : null}
      {keys.data?.total === 0 ? <Text c="dimmed">This zone has no API keys yet.</Text> : null}
      {keys.data && keys.data.items.length > 0 ? (
        <ApiKeyTable keys={keys.data.items} {...(canChange ? { onRevoke: (key) => revoke(key.id) } : {})} />
      ) : null}
      {keys.data ? (
        <Paged page={page} pageSize={API_KEYS_PAGE_SIZE} total={keys.data.total} onChange={setPage} />
      ) : null}
      {dialog ? (
        <IssueKeyDialog zoneId={zoneId} mode={dialog} opened onClose={() => setDialog(null)} />
      ) : null}
    </Stack>
  );
}
