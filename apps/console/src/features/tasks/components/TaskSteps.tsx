import type { TaskDetail } from '@outpost/shared';
import { Badge, Code, Group, Paper, Stack, Text, Title } from '@mantine/core';

/** The steps in order, with the current and the failed one marked. */
export function TaskSteps({ task }: { task: TaskDetail }) {
  return (
    <Stack gap="xs">
      <Title order={2} size="h4">
        Steps
      </Title>
      {task.steps.map((step) => (
        <Paper key={step.id} withBorder p="xs">
          <Group gap="xs" mb={4}>
            <Text fw={600}>
              {step.seq}. {step.commandName}
            </Text>
            <Badge styles={{ label: { overflow: 'visible' } }} variant="outline" size="sm">
              {step.commandType === 'reserved' ? 'reserved' : 'script'}
            </Badge>
            {step.isRecover ? (
              <Badge styles={{ label: { overflow: 'visible' } }} color="orange" size="sm">
                recover
              </Badge>
            ) : null}
            {task.failedStep === step.seq ? (
              <Badge styles={{ label: { overflow: 'visible' } }} color="red" size="sm">
                failed here
              </Badge>
            ) : null}
          </Group>
          <Code block>{step.command}</Code>
        </Paper>
      ))}
    </Stack>
  );
}
