import { Stack, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ProblemAlert } from '../../../components';
import { redeliver } from '../../webhooks/api/webhooks.queries';
import { DeliveryTable } from '../../webhooks/components/DeliveryTable';
import { callbackDeliveriesQuery, taskKeys } from '../api/tasks.queries';

/** Deliveries to the task's callback URL, shown when there are any. */
export function CallbackDeliveries({ taskId, canChange }: { taskId: number; canChange: boolean }) {
  const queryClient = useQueryClient();
  const deliveries = useQuery(callbackDeliveriesQuery(taskId));
  const resend = useMutation({
    mutationFn: redeliver,
    onSettled: () => queryClient.invalidateQueries({ queryKey: taskKeys.callbacks(taskId) }),
  });
  if (deliveries.isError) return <ProblemAlert error={deliveries.error} />;
  if (!deliveries.data || deliveries.data.items.length === 0) return null;
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Callback deliveries
      </Title>
      {resend.isError ? <ProblemAlert error={resend.error} /> : null}
      <DeliveryTable
        label="Callback deliveries"
        deliveries={deliveries.data.items}
        {...(canChange ? { onRedeliver: (delivery) => resend.mutate(delivery.id) } : {})}
        redeliveringId={resend.isPending ? resend.variables : null}
      />
    </Stack>
  );
}
