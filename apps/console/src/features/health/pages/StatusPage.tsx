import { Anchor, Button, Container, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useIsFetching, useQuery, useQueryClient } from '@tanstack/react-query';
import { activationStatusQuery, healthKeys, livenessQuery } from '../api/health.queries';
import { StatusItem } from '../components/StatusItem';
import { activationLine, livenessLine, nextStep } from '../status-text';

/** The first page an operator sees: is the manager up, and what to do next. */
export function StatusPage() {
  const queryClient = useQueryClient();
  const liveness = useQuery(livenessQuery());
  const activation = useQuery(activationStatusQuery());
  const isChecking = useIsFetching({ queryKey: healthKeys.all }) > 0;

  const checkAgain = () => {
    if (!isChecking) void queryClient.invalidateQueries({ queryKey: healthKeys.all });
  };

  return (
    <Container size="sm" py="xl" component="section" aria-labelledby="status-title">
      <Title order={1} size="h2" id="status-title" mb="md">
        Manager status
      </Title>
      <div aria-live="polite">
        <dl className="status-list">
          <StatusItem label="Manager" line={livenessLine(liveness)} />
          <StatusItem label="First admin" line={activationLine(activation)} />
        </dl>
        <p className="next-step">{nextStep(activation)}</p>
      </div>
      <div className="actions">
        {/* aria-disabled rather than disabled, so keyboard focus stays on the button while it checks. */}
        <Button variant="default" onClick={checkAgain} aria-disabled={isChecking}>
          {isChecking ? 'Checking…' : 'Check again'}
        </Button>
        <Anchor href="/swagger">API documentation (Swagger)</Anchor>
        <Anchor component={Link} to="/zones">
          Open the console
        </Anchor>
      </div>
    </Container>
  );
}
