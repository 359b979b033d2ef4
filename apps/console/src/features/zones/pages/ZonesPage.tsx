import type { Zone } from '@outpost/shared';
import { Anchor, Button, Card, Group, Skeleton, Table, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useSession } from '../../../app/session';
import { zonePath } from '../../../app/zone';
import { PageHeader } from '../../../components/PageHeader';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { createZone, updateZone, zoneKeys, zonesQuery } from '../api/zones.queries';
import { DeleteZoneButton } from '../components/DeleteZoneButton';
import { ZoneFormModal, type ZoneFormValues } from '../components/ZoneFormModal';

function CreateZone() {
  const [opened, { open, close }] = useDisclosure(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (values: ZoneFormValues) => createZone(values),
    onSuccess: async (zone) => {
      close();
      notifications.show({
        color: 'green',
        title: 'Zone created',
        message: `${zone.name} is ready for agents.`,
      });
      await queryClient.invalidateQueries({ queryKey: zoneKeys.all });
      void navigate(zonePath(zone.id));
    },
  });
  return (
    <>
      <Button
        onClick={() => {
          create.reset();
          open();
        }}
      >
        Create zone
      </Button>
      {opened ? (
        <ZoneFormModal
          opened
          title="Create a zone"
          submitLabel="Create"
          initial={{ name: '', platform: 'linux' }}
          onClose={close}
          onSubmit={(values) => create.mutate(values)}
          pending={create.isPending}
          error={create.error}
        />
      ) : null}
    </>
  );
}

function RenameZone({ zone }: { zone: Zone }) {
  const [opened, { open, close }] = useDisclosure(false);
  const queryClient = useQueryClient();
  const rename = useMutation({
    mutationFn: (values: ZoneFormValues) => updateZone(zone.id, values),
    onSuccess: async () => {
      close();
      await queryClient.invalidateQueries({ queryKey: zoneKeys.all });
    },
  });
  return (
    <>
      <Button
        size="xs"
        variant="default"
        onClick={() => {
          rename.reset();
          open();
        }}
      >
        Edit
      </Button>
      {opened ? (
        <ZoneFormModal
          opened
          title={`Edit zone ${zone.name}`}
          submitLabel="Save"
          initial={{ name: zone.name, platform: zone.platform }}
          onClose={close}
          onSubmit={(values) => rename.mutate(values)}
          pending={rename.isPending}
          error={rename.error}
        />
      ) : null}
    </>
  );
}

export function ZonesPage() {
  const { canChange } = useSession();
  const zones = useQuery(zonesQuery());
  const [now] = useState(() => Date.now());
  const items = zones.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Zones"
        description="A zone is one site or network: its agents elect a primary that fetches the zone's tasks."
        actions={canChange ? <CreateZone /> : null}
      />
      <ProblemAlert error={zones.error} />
      {zones.isPending ? <Skeleton h={120} /> : null}
      {zones.isSuccess && items.length === 0 ? (
        <Card withBorder p="xl">
          <Text fw={600}>No zones yet</Text>
          <Text size="sm" c="dimmed">
            {canChange
              ? 'Create a zone, then install an agent in it from its Agents page.'
              : 'An operator or admin creates zones; ask one to create the first.'}
          </Text>
        </Card>
      ) : null}
      {items.length > 0 ? (
        <Table.ScrollContainer minWidth={520}>
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Platform</Table.Th>
                <Table.Th>Created</Table.Th>
                {canChange ? <Table.Th aria-label="Actions" /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((zone) => (
                <Table.Tr key={zone.id}>
                  <Table.Td>
                    <Anchor component={Link} to={zonePath(zone.id)} fw={600}>
                      {zone.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{zone.platform}</Table.Td>
                  <Table.Td>
                    <Text size="sm" title={zone.createdAt}>
                      {formatAge(zone.createdAt, now)}
                    </Text>
                  </Table.Td>
                  {canChange ? (
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <RenameZone zone={zone} />
                        <DeleteZoneButton zone={zone} />
                      </Group>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </>
  );
}

function formatAge(timestamp: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(timestamp)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(timestamp).toLocaleDateString();
}
