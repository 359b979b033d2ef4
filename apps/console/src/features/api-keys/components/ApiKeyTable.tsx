import type { ApiKey } from '@outpost/shared';
import { Badge, Code, Table } from '@mantine/core';
import { ConfirmButton } from '../../../components';

const when = (iso: string | null, none: string) => (iso ? new Date(iso).toLocaleString() : none);

interface ApiKeyTableProps {
  keys: ApiKey[];
  /** Absent for viewers. */
  onRevoke?: (key: ApiKey) => Promise<unknown>;
}

export function ApiKeyTable({ keys, onRevoke }: ApiKeyTableProps) {
  return (
    <Table.ScrollContainer minWidth={700}>
      <Table striped aria-label="API keys">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Prefix</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th>Revoked</Table.Th>
            {onRevoke ? <Table.Th>Actions</Table.Th> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.map((key) => (
            <Table.Tr key={key.id}>
              <Table.Td>{key.name}</Table.Td>
              <Table.Td>
                <Code>{key.prefix}…</Code>
              </Table.Td>
              <Table.Td>
                <Badge
                  styles={{ label: { overflow: 'visible' } }}
                  color={key.isActive ? 'green' : 'gray'}
                  variant="light"
                >
                  {key.isActive ? 'active' : 'revoked'}
                </Badge>
              </Table.Td>
              <Table.Td>{when(key.createdAt, '')}</Table.Td>
              <Table.Td>{when(key.lastUsedAt, 'never')}</Table.Td>
              <Table.Td>{when(key.revokedAt, '—')}</Table.Td>
              {onRevoke ? (
                <Table.Td>
                  {key.isActive ? (
                    <ConfirmButton
                      size="compact-sm"
                      variant="light"
                      title={`Revoke key ${key.name || key.prefix}?`}
                      message="Calls with this key are refused from now on. Agents that already joined keep working."
                      onConfirm={() => onRevoke(key)}
                      aria-label={`Revoke ${key.name || key.prefix}`}
                    >
                      Revoke
                    </ConfirmButton>
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
