import type { TaskDetail } from '@outpost/shared';
import { Code, SimpleGrid, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { targetText } from '../target-text';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

const when = (iso: string | null, none = '—') => (iso ? new Date(iso).toLocaleString() : none);

/** The task's definition and where it stands, at a glance. */
export function TaskFacts({ task }: { task: TaskDetail }) {
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
        <Fact label="Type">{task.taskType}</Fact>
        <Fact label="Target">{targetText(task.target)}</Fact>
        <Fact label="Ran on">{task.exeAgentKey ?? '—'}</Fact>
        <Fact label="Step">
          {task.currentStep}/{task.totalStepCount}
        </Fact>
        <Fact label="Failed step">{task.failedStep ?? '—'}</Fact>
        <Fact label="Created">{when(task.createdAt)}</Fact>
        <Fact label="Start at">{when(task.schedule, 'now')}</Fact>
        <Fact label="Next run">{when(task.nextRunAt)}</Fact>
        <Fact label="Finished">{when(task.finishedAt)}</Fact>
        <Fact label="Retries">
          {task.maxRetries === 0
            ? 'none'
            : `up to ${task.maxRetries}, first after ${task.retryBackoffSeconds} s`}
        </Fact>
        {task.cron ? (
          <Fact label="Cron">
            <Code>{task.cron}</Code> ({task.timeZone})
          </Fact>
        ) : null}
        {task.untilRun ? <Fact label="Until">{when(task.untilRun)}</Fact> : null}
        <Fact label="Timeout">{task.timeout ? `${task.timeout} s` : 'none'}</Fact>
        <Fact label="Events">{task.eventHookSendingType}</Fact>
        {task.callbackUrl ? <Fact label="Callback URL">{task.callbackUrl}</Fact> : null}
      </SimpleGrid>
      {task.result ? (
        <Fact label="Result">
          <Code block>{task.result}</Code>
        </Fact>
      ) : null}
      {task.parameter ? (
        <Fact label="Parameter">
          <Code block>{task.parameter}</Code>
        </Fact>
      ) : null}
    </Stack>
  );
}
