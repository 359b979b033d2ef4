import { describeCronError, isValidTimeZone, nextCronRuns } from '@outpost/shared';
import { List, Text } from '@mantine/core';

/** The next five fire times of a cron expression in its time zone, or why it is invalid. */
export function CronPreview({ cron, timeZone }: { cron: string; timeZone: string }) {
  if (!cron.trim()) return null;
  if (!isValidTimeZone(timeZone)) return null;
  const error = describeCronError(cron, timeZone);
  if (error) {
    return (
      <Text size="sm" c="red" role="status">
        {error}
      </Text>
    );
  }
  const format = new Intl.DateTimeFormat(undefined, { timeZone, dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <div role="status" aria-label="Next runs">
      <Text size="sm" c="dimmed">
        Next runs ({timeZone}):
      </Text>
      <List size="sm">
        {nextCronRuns(cron, timeZone, 5).map((run) => (
          <List.Item key={run.toISOString()}>{format.format(run)}</List.Item>
        ))}
      </List>
    </div>
  );
}
