import { Button, Card, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { isApiError } from '../../../api/api-error';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { changePassword, startSession } from '../../auth/api/auth.queries';

const MIN_PASSWORD = 10;

/** Changing the password ends every other session; the answer is a fresh one for this tab. */
export function ChangePasswordCard() {
  const queryClient = useQueryClient();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: changePassword,
    onSuccess: (session) => {
      startSession(queryClient, session);
      setCurrent('');
      setNew('');
      setRepeat('');
      notifications.show({
        color: 'green',
        title: 'Password changed',
        message: 'Other sessions were signed out; this one continues. Personal API tokens keep working.',
      });
    },
  });
  const errors = fieldErrors(change.error);
  const wrongCurrent = isApiError(change.error, 'INVALID_CREDENTIALS');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const differs = newPassword !== repeat;
    setMismatch(differs);
    if (!differs) change.mutate({ currentPassword, newPassword });
  };
  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="password-title">
      <Title order={2} size="h4" id="password-title" mb="xs">
        Change password
      </Title>
      <Text size="sm" c="dimmed" mb="md">
        Every other session of yours is signed out.
      </Text>
      <form onSubmit={submit} noValidate>
        <Stack maw={400}>
          {errors.currentPassword || errors.newPassword || wrongCurrent ? null : (
            <ProblemAlert error={change.error} />
          )}
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(event) => setCurrent(event.currentTarget.value)}
            error={errors.currentPassword ?? (wrongCurrent ? 'This is not your current password' : undefined)}
          />
          <PasswordInput
            label="New password"
            description={`At least ${MIN_PASSWORD} characters`}
            autoComplete="new-password"
            required
            value={newPassword}
            onChange={(event) => setNew(event.currentTarget.value)}
            error={errors.newPassword}
          />
          <PasswordInput
            label="Repeat the new password"
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(event) => setRepeat(event.currentTarget.value)}
            error={mismatch ? 'The passwords differ' : undefined}
          />
          <Button type="submit" loading={change.isPending} w="fit-content">
            Change password
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
