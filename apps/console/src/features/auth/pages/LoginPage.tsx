import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { fieldErrors } from '../../../components/field-errors';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { activationStatusQuery, login, startSession } from '../api/auth.queries';
import { AuthCard } from '../components/AuthCard';
import { loginRefusal } from '../login-error';
import { safeNextPath } from '../safe-next';

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const status = useQuery(activationStatusQuery());
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNextPath(params.get('next'));

  const signIn = useMutation({
    mutationFn: login,
    onSuccess: (session) => {
      startSession(queryClient, session);
      void navigate(next, { replace: true });
    },
  });

  if (status.data && !status.data.activated) return <Navigate to="/activate" replace />;

  const errors = fieldErrors(signIn.error);
  const refusal = loginRefusal(signIn.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ username: username.trim(), password });
  };

  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} noValidate>
        <Stack>
          {params.get('reason') === 'expired' && !signIn.error ? (
            <Alert color="yellow" title="Your session ended">
              Sign in again to continue where you were.
            </Alert>
          ) : null}
          {refusal ? (
            <Alert color="red" title={refusal.title} role="alert">
              {refusal.message}
            </Alert>
          ) : errors.username || errors.password ? null : (
            <ProblemAlert error={signIn.error} />
          )}
          <TextInput
            label="Username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(event) => setUsername(event.currentTarget.value)}
            error={errors.username}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={errors.password}
          />
          <Button type="submit" loading={signIn.isPending} disabled={!username.trim() || !password}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
