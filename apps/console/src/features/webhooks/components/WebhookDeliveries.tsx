import { type WebhookDeliveryStatus, webhookDeliveryStatuses } from '@outpost/shared';
import { Select, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Paged, ProblemAlert } from '../../../components';
import { DELIVERIES_PAGE_SIZE, deliveriesQuery, redeliver, webhookKeys } from '../api/webhooks.queries';
import { DeliveryTable } from './DeliveryTable';

const statusOptions = [
  { value: '', label: 'Every status' },
  ...webhookDeliveryStatuses.map((status) => ({ value: status, label: status })),
];

/** One webhook's delivery log, newest first, with redelivery for operators. */
export function WebhookDeliveries({ webhookId, canChange }: { webhookId: number; canChange: boolean }) {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<WebhookDeliveryStatus | null>(null);
  const deliveries = useQuery(deliveriesQuery(webhookId, page, status));
  const resend = useMutation({
    mutationFn: redeliver,
    onSettled: () => queryClient.invalidateQueries({ queryKey: webhookKeys.deliveries(webhookId) }),
  });

  return (
    <Stack gap="xs">
      <Select
        label="Delivery status"
        data={statusOptions}
        value={status ?? ''}
        onChange={(value) => {
          setStatus(webhookDeliveryStatuses.find((s) => s === value) ?? null);
          setPage(1);
        }}
        allowDeselect={false}
        w={200}
        size="xs"
      />
      {deliveries.isError ? <ProblemAlert error={deliveries.error} /> : null}
      {resend.isError ? <ProblemAlert error={resend.error} /> : null}
      {deliveries.data?.total === 0 ? (
        <Text size="sm" c="dimmed">
          No deliveries{status ? ` with status ${status}` : ''} yet.
        </Text>
      ) : null}
      {deliveries.data && deliveries.data.items.length > 0 ? (
        <DeliveryTable
          label={`Deliveries of webhook ${webhookId}`}
          deliveries={deliveries.data.items}
          {...(canChange ? { onRedeliver: (delivery) => resend.mutate(delivery.id) } : {})}
          redeliveringId={resend.isPending ? resend.variables : null}
        />
      ) : null}
      {deliveries.data ? (
        <Paged page={page} pageSize={DELIVERIES_PAGE_SIZE} total={deliveries.data.total} onChange={setPage} />
      ) : null}
    </Stack>
  );
}
