import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { CopyCommand } from '../../../components';

/** The callback signing secret, shown once right after the task was created. */
export function CreatedTaskSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Stack maw={700}>
      <Alert color="yellow" title="Copy the callback secret now">
        It is shown only this once. The callback URL receives an <code>X-Outpost-Signature</code> header made
        with it; verify that header to know the call came from this manager.
      </Alert>
      <CopyCommand command={secret} label="Copy secret" />
      <Text size="sm" c="dimmed">
        Lost it? Create the task again to get a new secret.
      </Text>
      <Group>
        <Button onClick={onDone}>Go to the task</Button>
      </Group>
    </Stack>
  );
}
