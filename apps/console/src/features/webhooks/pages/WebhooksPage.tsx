import { Button, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveEvents } from '../../../app/live';
import { useSession } from '../../../app/session';
import { PageHeader, Paged, ProblemAlert } from '../../../components';
import { zonesQuery } from '../../zones/api/zones.queries';
import { WEBHOOKS_PAGE_SIZE, webhookKeys, webhooksQuery } from '../api/webhooks.queries';
import { CreateWebhookDialog } from '../components/CreateWebhookDialog';
import { WebhookCard } from '../components/WebhookCard';

/** Every event may queue deliveries; refresh the open delivery logs at most once a second. */
function useDeliveriesFollowEvents() {
  const queryClient = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const onEvent = useCallback(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void queryClient.invalidateQueries({ queryKey: webhookKeys.all });
    }, 1000);
  }, [queryClient]);
  useLiveEvents({}, onEvent);
}

/** Webhook subscriptions of the whole manager, with their delivery logs. */
export function WebhooksPage() {
  const { canChange } = useSession();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const webhooks = useQuery(webhooksQuery(page));
  const zones = useQuery(zonesQuery());
  useDeliveriesFollowEvents();
  const zoneName = (zoneId: number | null) =>
    zoneId === null ? null : (zones.data?.items.find((zone) => zone.id === zoneId)?.name ?? null);

  return (
    <Stack>
      <PageHeader
        title="Webhooks"
        description="URLs that get a signed POST for each event they subscribe to."
        actions={canChange ? <Button onClick={() => setCreating(true)}>Add webhook</Button> : undefined}
      />
      {webhooks.isError ? <ProblemAlert error={webhooks.error} /> : null}
      {webhooks.isPending ? <Text>Loading webhooks…</Text> : null}
      {webhooks.data?.total === 0 ? <Text c="dimmed">No webhooks yet.</Text> : null}
      {webhooks.data?.items.map((webhook) => (
        <WebhookCard
          key={webhook.id}
          webhook={webhook}
          zoneName={zoneName(webhook.zoneId)}
          canChange={canChange}
        />
      ))}
      {webhooks.data ? (
        <Paged page={page} pageSize={WEBHOOKS_PAGE_SIZE} total={webhooks.data.total} onChange={setPage} />
      ) : null}
      <CreateWebhookDialog opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
