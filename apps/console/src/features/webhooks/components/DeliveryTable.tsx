import type { WebhookDelivery, WebhookDeliveryStatus } from '@outpost/shared';
import { Badge, Button, Code, Table, Text } from '@mantine/core';

const colours: Record<WebhookDeliveryStatus, string> = { pending: 'yellow', delivered: 'green', dead: 'red' };
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

interface DeliveryTableProps {
  deliveries: WebhookDelivery[];
  /** Absent for viewers: they see no redeliver button. */
  onRedeliver?: (delivery: WebhookDelivery) => void;
  redeliveringId?: number | null;
  label: string;
}

/** Deliveries with their last answer, attempts and next try. */
export function DeliveryTable({ deliveries, onRedeliver, redeliveringId, label }: DeliveryTableProps) {
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table aria-label={label} verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Next attempt</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Last error</Table.Th>
            {onRedeliver ? <Table.Th>Redeliver</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.map((delivery) => (
            <Table.Tr key={delivery.id}>
              <Table.Td>
                <Text size="sm">{delivery.eventType}</Text>
                <Code fz="xs">{delivery.eventId}</Code>
              </Table.Td>
              <Table.Td>
                <Badge
                  styles={{ label: { overflow: 'visible' } }}
                  color={colours[delivery.status]}
                  variant="light"
                >
                  {delivery.status}
                </Badge>
              </Table.Td>
              <Table.Td>{delivery.lastResponseCode ?? '—'}</Table.Td>
              <Table.Td>{delivery.attempts}</Table.Td>
              <Table.Td>{delivery.status === 'pending' ? when(delivery.nextAttemptAt) : '—'}</Table.Td>
              <Table.Td>{when(delivery.createdAt)}</Table.Td>
              <Table.Td>
                <Text size="sm" c={delivery.lastError ? 'red' : 'dimmed'}>
                  {delivery.lastError ?? '—'}
                </Text>
              </Table.Td>
              {onRedeliver ? (
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant="light"
                    loading={redeliveringId === delivery.id}
                    onClick={() => onRedeliver(delivery)}
                    aria-label={`Redeliver ${delivery.eventType} ${delivery.eventId}`}
                  >
                    Redeliver
                  </Button>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
