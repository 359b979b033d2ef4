import { eventTypes, WEBHOOK_ALL_EVENTS } from '@outpost/shared';
import { Alert, Button, Group, Modal, MultiSelect, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { CopyCommand, fieldErrors, ProblemAlert } from '../../../components';
import { zonesQuery } from '../../zones/api/zones.queries';
import { createWebhook, webhookKeys } from '../api/webhooks.queries';

const eventOptions = [
  { value: WEBHOOK_ALL_EVENTS, label: 'Every event (*)' },
  ...eventTypes.map((type) => ({ value: type, label: type })),
];

/** Subscribes a URL to events, then shows the signing secret once. */
export function CreateWebhookDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const zones = useQuery(zonesQuery());
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([WEBHOOK_ALL_EVENTS]);
  const [zoneId, setZoneId] = useState<string>('');
  const create = useMutation({
    mutationFn: () =>
      createWebhook({
        url: url.trim(),
        events: events.flatMap((event) =>
          event === WEBHOOK_ALL_EVENTS ? [WEBHOOK_ALL_EVENTS] : eventTypes.filter((type) => type === event),
        ),
        zoneId: zoneId ? Number(zoneId) : null,
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: webhookKeys.lists() }),
  });
  const errors = fieldErrors(create.error);
  const close = () => {
    setUrl('');
    setEvents([WEBHOOK_ALL_EVENTS]);
    setZoneId('');
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const zoneOptions = [
    { value: '', label: 'Every zone' },
    ...(zones.data?.items ?? []).map((zone) => ({ value: String(zone.id), label: zone.name })),
  ];

  return (
    <Modal opened={opened} onClose={close} title="Add a webhook" size="lg">
      {create.data ? (
        <Stack>
          <Alert color="yellow" title="Copy the signing secret now">
            It is shown only this once. Every delivery carries an X-Outpost-Signature header made with it;
            verify it to know the call came from this manager.
          </Alert>
          <CopyCommand command={create.data.secret} label="Copy secret" />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <TextInput
              type="url"
              label="URL"
              placeholder="https://example.com/outpost-events"
              value={url}
              onChange={(event) => setUrl(event.currentTarget.value)}
              error={errors['url']}
              required
              data-autofocus
            />
            <MultiSelect
              label="Events"
              data={eventOptions}
              value={events}
              onChange={setEvents}
              error={errors['events']}
              searchable
              required
            />
            <Select
              label="Zone"
              data={zoneOptions}
              value={zoneId}
              onChange={(value) => setZoneId(value ?? '')}
              error={errors['zoneId']}
              allowDeselect={false}
            />
            {create.isError && Object.keys(errors).length === 0 ? (
              <ProblemAlert error={create.error} />
            ) : null}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Add webhook
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
