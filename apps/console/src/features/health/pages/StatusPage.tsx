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
    <section aria-labelledby="status-title">
      <h1 id="status-title">Manager status</h1>
      <div aria-live="polite">
        <dl className="status-list">
          <StatusItem label="Manager" line={livenessLine(liveness)} />
          <StatusItem label="First admin" line={activationLine(activation)} />
        </dl>
        <p className="next-step">{nextStep(activation)}</p>
      </div>
      <div className="actions">
        {/* aria-disabled rather than disabled, so keyboard focus stays on the button while it checks. */}
        <button type="button" onClick={checkAgain} aria-disabled={isChecking}>
          {isChecking ? 'Checking…' : 'Check again'}
        </button>
        <a href="/swagger">API documentation (Swagger)</a>
      </div>
    </section>
  );
}
