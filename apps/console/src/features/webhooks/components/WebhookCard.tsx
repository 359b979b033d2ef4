import type { Webhook } from '@outpost/shared';
import { Badge, Button, Collapse, Group, Paper, Stack, Switch, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ConfirmButton, ProblemAlert } from '../../../components';
import { deleteWebhook, updateWebhook, webhookKeys } from '../api/webhooks.queries';
import { WebhookDeliveries } from './WebhookDeliveries';

interface WebhookCardProps {
  webhook: Webhook;
  zoneName: string | null;
  canChange: boolean;
}

/** One subscription: where it sends, what, for which zone; its switch, delete and delivery log. */
export function WebhookCard({ webhook, zoneName, canChange }: WebhookCardProps) {
  const queryClient = useQueryClient();
  const [showDeliveries, { toggle }] = useDisclosure(false);
  const setActive = useMutation({
    mutationFn: (isActive: boolean) => updateWebhook(webhook.id, { isActive }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: webhookKeys.lists() }),
  });
  const remove = async () => {
    await deleteWebhook(webhook.id);
    await queryClient.invalidateQueries({ queryKey: webhookKeys.all });
  };

  return (
    <Paper withBorder p="sm">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" align="flex-start">
          <Stack gap={4} style={{ minWidth: 0, flex: 1 }}>
            <Text fw={600} style={{ wordBreak: 'break-all' }}>
              {webhook.url}
            </Text>
            <Group gap={4}>
              <Badge styles={{ label: { overflow: 'visible' } }} variant="outline" color="gray" tt="none">
                {webhook.zoneId === null ? 'every zone' : `zone ${zoneName ?? webhook.zoneId}`}
              </Badge>
              {webhook.events.map((event) => (
                <Badge styles={{ label: { overflow: 'visible' } }} key={event} variant="light" tt="none">
                  {event === '*' ? 'every event' : event}
                </Badge>
              ))}
            </Group>
          </Stack>
          <Group gap="sm">
            {canChange ? (
              <Switch
                label={webhook.isActive ? 'Enabled' : 'Disabled'}
                checked={setActive.isPending ? setActive.variables : webhook.isActive}
                onChange={(event) => setActive.mutate(event.currentTarget.checked)}
                aria-label={`Deliveries to ${webhook.url} enabled`}
              />
            ) : (
              <Badge styles={{ label: { overflow: 'visible' } }} color={webhook.isActive ? 'green' : 'gray'}>
                {webhook.isActive ? 'enabled' : 'disabled'}
              </Badge>
            )}
            {canChange ? (
              <ConfirmButton
                size="compact-sm"
                variant="light"
                title="Delete this webhook?"
                message={`Nothing more is sent to ${webhook.url}, and its delivery log is deleted with it.`}
                onConfirm={remove}
              >
                Delete
              </ConfirmButton>
            ) : null}
          </Group>
        </Group>
        {setActive.isError ? <ProblemAlert error={setActive.error} /> : null}
        <Button
          variant="subtle"
          size="compact-sm"
          onClick={toggle}
          aria-expanded={showDeliveries}
          style={{ alignSelf: 'flex-start' }}
        >
          {showDeliveries ? 'Hide deliveries' : 'Show deliveries'}
        </Button>
        <Collapse expanded={showDeliveries}>
          {showDeliveries ? <WebhookDeliveries webhookId={webhook.id} canChange={canChange} /> : null}
        </Collapse>
      </Stack>
    </Paper>
  );
}
