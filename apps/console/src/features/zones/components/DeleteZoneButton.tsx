import type { Zone, ZoneContents } from '@outpost/shared';
import { List, Loader, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmButton } from '../../../components/ConfirmButton';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { deleteZone, zoneKeys, zoneQuery } from '../api/zones.queries';

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The parts of a zone that a delete takes with it, in words. */
export function describeContents(contents: ZoneContents): string[] {
  return [
    `${plural(contents.agents, 'agent')}${contents.onlineAgents ? ` (${contents.onlineAgents} online)` : ''}`,
    `${plural(contents.tasks, 'task')}${contents.activeTasks ? ` (${contents.activeTasks} in flight)` : ''}, with their runs and logs`,
    plural(contents.credentials, 'credential'),
    plural(contents.apiKeys, 'API key'),
  ];
}

function DeleteMessage({ zone, asked }: { zone: Zone; asked: boolean }) {
  const detail = useQuery({ ...zoneQuery(zone.id), enabled: asked, staleTime: 0 });
  const contents = detail.data?.contents;
  const busy = contents ? contents.onlineAgents > 0 || contents.activeTasks > 0 : false;
  return (
    <Stack gap="xs">
      <Text size="sm">
        Deleting <b>{zone.name}</b> deletes everything that belongs to it. This cannot be undone.
      </Text>
      {detail.isPending ? <Loader size="sm" aria-label="Counting what belongs to the zone" /> : null}
      <ProblemAlert error={detail.error} />
      {contents ? (
        <List size="sm" data-testid="zone-contents">
          {describeContents(contents).map((line) => (
            <List.Item key={line}>{line}</List.Item>
          ))}
        </List>
      ) : null}
      {busy ? (
        <Text size="sm" c="orange">
          The manager refuses while agents are online or tasks are in flight: stop the agents and let the
          tasks finish (or cancel them) first.
        </Text>
      ) : null}
    </Stack>
  );
}

export function DeleteZoneButton({ zone, onDeleted }: { zone: Zone; onDeleted?: () => void }) {
  const queryClient = useQueryClient();
  const [asked, setAsked] = useState(false);
  return (
    <ConfirmButton
      size="xs"
      variant="light"
      title={`Delete zone ${zone.name}?`}
      message={<DeleteMessage zone={zone} asked={asked} />}
      confirmLabel="Delete zone"
      onOpen={() => setAsked(true)}
      onConfirm={async () => {
        try {
          const answer = await deleteZone(zone.id);
          notifications.show({
            color: 'green',
            title: `Zone ${zone.name} deleted`,
            message: `Removed ${describeContents(answer.removed).join(', ')}.`,
          });
          onDeleted?.();
        } finally {
          // A refusal (409) may come with new counts; either way the list and counts are re-read.
          await queryClient.invalidateQueries({ queryKey: zoneKeys.all });
        }
      }}
    >
      Delete
    </ConfirmButton>
  );
}
