import { Button, Center, Loader, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { activate, activationStatusQuery, startSession } from '../api/auth.queries';
import { AuthCard } from '../components/AuthCard';

const MIN_PASSWORD = 10;

/** First run: whoever reaches the manager first sets the admin account, then is signed in. */
export function ActivatePage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const status = useQuery(activationStatusQuery());
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [touched, setTouched] = useState(false);

  const activation = useMutation({
    mutationFn: activate,
    onSuccess: (session) => {
      startSession(queryClient, session);
      void navigate('/zones', { replace: true });
    },
  });

  if (status.isPending)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (status.data?.activated && !activation.isSuccess) return <Navigate to="/login" replace />;

  const errors = fieldErrors(activation.error);
  const tooShort = touched && password.length > 0 && password.length < MIN_PASSWORD;
  const mismatch = touched && repeat.length > 0 && repeat !== password;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (password.length < MIN_PASSWORD || repeat !== password) return;
    activation.mutate({ username: username.trim(), password });
  };

  return (
    <AuthCard
      title="Set up the admin account"
      intro="This manager has no users yet. The account you create now is its first admin; you will be signed in with it."
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {errors.username || errors.password ? null : (
            <ProblemAlert error={activation.error ?? status.error} />
          )}
          <TextInput
            label="Admin username"
            description="3–64 letters, digits, _ . @ -"
            autoComplete="username"
            required
            value={username}
            onChange={(event) => setUsername(event.currentTarget.value)}
            error={errors.username}
          />
          <PasswordInput
            label="Password"
            description={`At least ${MIN_PASSWORD} characters`}
            autoComplete="new-password"
            required
            autoFocus
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={errors.password ?? (tooShort ? `Use at least ${MIN_PASSWORD} characters` : undefined)}
          />
          <PasswordInput
            label="Repeat the password"
            autoComplete="new-password"
            required
            value={repeat}
            onChange={(event) => setRepeat(event.currentTarget.value)}
            error={mismatch ? 'The passwords differ' : undefined}
          />
          <Button type="submit" loading={activation.isPending}>
            Create admin and sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
