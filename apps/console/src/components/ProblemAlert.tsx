import { Alert, Code, Text } from '@mantine/core';
import { ApiError } from '../api/api-error';
import { problemMessage, problemTitle } from './problem-text';

/**
 * A failed call in words: what went wrong and, for the manager's own failures, the request id to
 * find it in the manager's log. Renders nothing without an error, so it can sit above any form.
 */
export function ProblemAlert({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  const requestId = error instanceof ApiError && error.status >= 500 ? error.requestId : null;
  return (
    <Alert color="red" variant="light" title={title ?? problemTitle(error)} role="alert">
      <Text size="sm">{problemMessage(error)}</Text>
      {requestId ? (
        <Text size="xs" c="dimmed" mt={4}>
          Request id <Code>{requestId}</Code>
        </Text>
      ) : null}
    </Alert>
  );
}
