import type { TaskLogChunk, TaskRun } from '@outpost/shared';
import { Box, Group, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { useLayoutEffect, useRef, useState } from 'react';
import { ProblemAlert } from '../../../components';
import { useTaskLog } from '../useTaskLog';
import classes from './TaskLogView.module.css';

function LogLine({ chunk }: { chunk: TaskLogChunk }) {
  return (
    <span className={classes[chunk.stream]} data-stream={chunk.stream}>
      {chunk.stream === 'system' ? `[${chunk.content.replace(/\n$/, '')}]\n` : chunk.content}
    </span>
  );
}

interface LogPaneProps {
  taskId: number;
  runId: number | null;
  follow: boolean;
  onScrolledUp: () => void;
  onScrolledToEnd: () => void;
}

/** The output box of one run; keeps the end in view while following. */
function LogPane({ taskId, runId, follow, onScrolledUp, onScrolledToEnd }: LogPaneProps) {
  const log = useTaskLog(taskId, runId);
  const box = useRef<HTMLDivElement>(null);
  const lastScrollTop = useRef(0);

  useLayoutEffect(() => {
    const element = box.current;
    if (follow && element) {
      element.scrollTop = element.scrollHeight;
      lastScrollTop.current = element.scrollTop;
    }
  }, [follow, log.chunks]);

  const onScroll = () => {
    const element = box.current;
    if (!element) return;
    const atEnd = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
    // Only the reader scrolling up stops following; output growing below does not.
    if (!atEnd && element.scrollTop < lastScrollTop.current) onScrolledUp();
    else if (atEnd) onScrolledToEnd();
    lastScrollTop.current = element.scrollTop;
  };

  let placeholder = 'No output yet.';
  if (log.isLoading) placeholder = 'Loading output…';
  else if (log.runId === null) placeholder = 'No run yet: the output appears here when it starts.';

  return (
    <>
      {log.error ? <ProblemAlert error={log.error} /> : null}
      <Box
        ref={box}
        onScroll={onScroll}
        className={classes.log}
        role="log"
        aria-labelledby="task-log-title"
        aria-live="off"
        tabIndex={0}
      >
        {log.chunks.length === 0 ? (
          <span className={classes.system}>{placeholder}</span>
        ) : (
          log.chunks.map((chunk) => <LogLine key={chunk.seq} chunk={chunk} />)
        )}
      </Box>
    </>
  );
}

interface TaskLogViewProps {
  taskId: number;
  runs: TaskRun[];
  showLog: boolean;
}

/** The output of a run as it streams, with a run picker and a follow switch. */
export function TaskLogView({ taskId, runs, showLog }: TaskLogViewProps) {
  const [runId, setRunId] = useState<number | null>(null);
  const [follow, setFollow] = useState(true);

  const runOptions = [
    { value: '', label: 'Latest run' },
    ...[...runs]
      .sort((a, b) => b.id - a.id)
      .map((run) => ({
        value: String(run.id),
        label: `Run ${run.id} (attempt ${run.attempt}, ${run.agentKey ?? 'no agent'})`,
      })),
  ];

  return (
    <Stack gap="xs">
      <Group justify="space-between" wrap="wrap">
        <Title order={2} size="h4" id="task-log-title">
          Output
        </Title>
        <Group gap="md">
          {runs.length > 1 ? (
            <Select
              aria-label="Run"
              size="xs"
              data={runOptions}
              value={runId === null ? '' : String(runId)}
              onChange={(value) => setRunId(value ? Number(value) : null)}
              allowDeselect={false}
            />
          ) : null}
          <Switch
            label="Follow"
            checked={follow}
            onChange={(event) => setFollow(event.currentTarget.checked)}
          />
        </Group>
      </Group>
      {!showLog ? (
        <Text size="sm" c="dimmed">
          This task keeps no output log (show-log is off).
        </Text>
      ) : null}
      <LogPane
        key={runId ?? 'latest'}
        taskId={taskId}
        runId={runId}
        follow={follow}
        onScrolledUp={() => setFollow(false)}
        onScrolledToEnd={() => setFollow(true)}
      />
      <Text size="xs" c="dimmed">
        Standard output is light, standard error red, and notes of the agent and the manager are [in
        brackets].
      </Text>
    </Stack>
  );
}
