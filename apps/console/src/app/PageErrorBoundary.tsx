import { Alert, Button, Container, Stack, Text } from '@mantine/core';
import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ProblemAlert } from '../components/ProblemAlert';

function isChunkLoadFailure(error: unknown): boolean {
  return (
    error instanceof Error &&
    /dynamically imported module|Importing a module script failed/i.test(error.message)
  );
}

/**
 * A page that cannot render shows a way out instead of a blank screen. Most often its chunk is gone
 * because the manager was upgraded while the tab was open: a reload fixes that.
 */
export function RouteError() {
  const error = useRouteError();
  console.error('page failed to render', error);
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Container size="sm" py="xl">
        <Alert title="Page not found">There is no page at this address.</Alert>
      </Container>
    );
  }
  return (
    <Container size="sm" py="xl">
      <Stack>
        {isChunkLoadFailure(error) ? (
          <Alert color="yellow" title="This page could not be loaded">
            <Text size="sm">The manager may have been upgraded while this tab was open.</Text>
          </Alert>
        ) : (
          <ProblemAlert error={error} title="This page could not be shown" />
        )}
        <Button w="fit-content" onClick={() => window.location.reload()}>
          Reload the page
        </Button>
      </Stack>
    </Container>
  );
}
