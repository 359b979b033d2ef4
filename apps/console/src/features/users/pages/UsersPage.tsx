import { type User, userRoles } from '@outpost/shared';
import { Alert, Badge, Button, Group, Select, Skeleton, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../../../app/session';
import { ConfirmButton } from '../../../components/ConfirmButton';
import { PageHeader } from '../../../components/PageHeader';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { problemMessage, problemTitle } from '../../../components/problem-text';
import { deleteUser, updateUser, userKeys, usersQuery } from '../api/users.queries';
import { CreateUserButton } from '../components/CreateUserButton';
import { isUserRole } from '../roles';

function showRefusal(error: unknown) {
  notifications.show({
    color: 'red',
    title: problemTitle(error),
    message: problemMessage(error),
    autoClose: 8000,
  });
}

function UserRow({ user, isSelf }: { user: User; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const update = useMutation({
    mutationFn: (body: Parameters<typeof updateUser>[1]) => updateUser(user.id, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
    onError: showRefusal,
  });
  return (
    <Table.Tr>
      <Table.Td>
        <Text fw={600}>
          {user.username}
          {isSelf ? (
            <Text span c="dimmed" size="sm">
              {' '}
              (you)
            </Text>
          ) : null}
        </Text>
      </Table.Td>
      <Table.Td>
        <Select
          aria-label={`Role of ${user.username}`}
          data={[...userRoles]}
          value={user.role}
          onChange={(value) => {
            if (isUserRole(value) && value !== user.role) update.mutate({ role: value });
          }}
          allowDeselect={false}
          disabled={update.isPending}
          w={130}
          size="xs"
        />
      </Table.Td>
      <Table.Td>
        {user.isDisabled ? (
          <Badge color="gray">Disabled</Badge>
        ) : (
          <Badge color="green" variant="light">
            Active
          </Badge>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString() : 'Never'}</Text>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button
            size="xs"
            variant="default"
            loading={update.isPending}
            onClick={() => update.mutate({ isDisabled: !user.isDisabled })}
          >
            {user.isDisabled ? 'Enable' : 'Disable'}
          </Button>
          <ConfirmButton
            size="xs"
            variant="light"
            title={`Delete user ${user.username}?`}
            message={`${user.username} can no longer sign in, and their personal API tokens stop working. What they changed stays in the audit log.`}
            confirmLabel="Delete user"
            onConfirm={async () => {
              await deleteUser(user.id);
              await queryClient.invalidateQueries({ queryKey: userKeys.all });
            }}
          >
            Delete
          </ConfirmButton>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

export function UsersPage() {
  const { isAdmin, user: me } = useSession();
  const users = useQuery({ ...usersQuery(), enabled: isAdmin });

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Users" />
        <Alert title="Only admins manage users">Ask an admin to create accounts or change roles.</Alert>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="Viewers see everything and change nothing; operators run zones, agents and tasks; admins also manage users."
        actions={<CreateUserButton />}
      />
      <ProblemAlert error={users.error} />
      {users.isPending ? <Skeleton h={120} /> : null}
      {users.data ? (
        <Table.ScrollContainer minWidth={640}>
          <Table striped verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Username</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Last sign-in</Table.Th>
                <Table.Th aria-label="Actions" />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.items.map((user) => (
                <UserRow key={user.id} user={user} isSelf={user.id === me.id} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
    </>
  );
}
