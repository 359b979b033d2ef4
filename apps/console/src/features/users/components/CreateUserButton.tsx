import { type UserRole, userRoles } from '@outpost/shared';
import { Button, Group, Modal, PasswordInput, Select, Stack, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { createUser, userKeys } from '../api/users.queries';
import { roleDescriptions } from '../roles';

export function CreateUserButton() {
  const [opened, { open, close }] = useDisclosure(false);
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<UserRole>('viewer');
  const create = useMutation({
    mutationFn: createUser,
    onSuccess: async (user) => {
      close();
      setUsername('');
      setPassword('');
      notifications.show({
        color: 'green',
        title: 'User created',
        message: `${user.username} can sign in now.`,
      });
      await queryClient.invalidateQueries({ queryKey: userKeys.all });
    },
  });
  const errors = fieldErrors(create.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ username: username.trim(), password, role });
  };
  return (
    <>
      <Button
        onClick={() => {
          create.reset();
          open();
        }}
      >
        Create user
      </Button>
      <Modal opened={opened} onClose={close} title="Create a user" centered>
        <form onSubmit={submit} noValidate>
          <Stack>
            {errors.username || errors.password || errors.role ? null : <ProblemAlert error={create.error} />}
            <TextInput
              label="Username"
              required
              data-autofocus
              autoComplete="off"
              value={username}
              onChange={(event) => setUsername(event.currentTarget.value)}
              error={errors.username}
            />
            <PasswordInput
              label="Password"
              description="At least 10 characters; tell it to the user, who can change it under Settings"
              required
              autoComplete="new-password"
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={errors.password}
            />
            <Select
              label="Role"
              data={userRoles.map((value) => ({ value, label: `${value} — ${roleDescriptions[value]}` }))}
              value={role}
              onChange={(value) => value && setRole(value as UserRole)}
              allowDeselect={false}
              error={errors.role}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
