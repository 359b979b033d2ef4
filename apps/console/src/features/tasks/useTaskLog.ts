import { LIVE_RESET_EVENT, LIVE_TASK_LOG_EVENT, liveTaskLogSchema, type TaskLogChunk } from '@outpost/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type LiveEvent, useLiveEvents } from '../../app/live';
import { fetchTaskLogs } from './api/tasks.queries';
import { mergeChunks } from './log-chunks';

export interface TaskLogState {
  /** The run shown; null until the task has a run. */
  runId: number | null;
  chunks: TaskLogChunk[];
  isLoading: boolean;
  error: unknown;
}

/**
 * A run's log that follows the output as it is written: loads what is stored, then appends the
 * `task.log` chunks of the live stream in seq order. `requestedRunId` null means the latest run,
 * and switches to a newer run when one starts (a retry, the next iteration).
 */
export function useTaskLog(taskId: number, requestedRunId: number | null): TaskLogState {
  const [state, setState] = useState<TaskLogState>({ runId: null, chunks: [], isLoading: true, error: null });
  // The run to load; starts as asked (callers remount the hook to ask for another run) and moves to
  // a newer run when following the latest one.
  const [followRunId, setFollowRunId] = useState<number | null>(requestedRunId);
  // Bumped to load again after the stream said events may have been missed.
  const [generation, setGeneration] = useState(0);
  const runIdRef = useRef<number | null>(null);

  // Load everything stored for the run, page by page; the stream fills in the rest.
  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      let afterSeq = 0;
      for (;;) {
        const page = await fetchTaskLogs(taskId, followRunId, afterSeq, controller.signal);
        const runId = page.runId;
        runIdRef.current = runId;
        setState((current) => ({
          runId,
          chunks: current.runId === runId ? mergeChunks(current.chunks, page.chunks) : page.chunks,
          isLoading: true,
          error: null,
        }));
        if (page.chunks.length === 0 || page.nextSeq <= afterSeq) break;
        afterSeq = page.nextSeq;
      }
      setState((current) => ({ ...current, isLoading: false }));
    };
    load().catch((error: unknown) => {
      if (controller.signal.aborted) return;
      setState((current) => ({ ...current, isLoading: false, error }));
    });
    return () => controller.abort();
  }, [taskId, followRunId, generation]);

  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (event.type === LIVE_RESET_EVENT) {
        setGeneration((count) => count + 1);
        return;
      }
      if (event.type !== LIVE_TASK_LOG_EVENT) return;
      const parsed = liveTaskLogSchema.safeParse(event.data);
      if (!parsed.success || parsed.data.taskId !== taskId) return;
      const log = parsed.data;
      const shown = runIdRef.current;
      if (shown !== null && log.runId > shown && requestedRunId === null) {
        // A newer run started while following the latest one: follow it from its start.
        runIdRef.current = log.runId;
        setFollowRunId(log.runId);
        return;
      }
      if (shown !== null && log.runId !== shown) return;
      const chunk: TaskLogChunk = {
        runId: log.runId,
        seq: log.seq,
        stepSeq: log.stepSeq,
        stream: log.stream,
        content: log.content,
        createdAt: log.at,
      };
      runIdRef.current = log.runId;
      setState((current) => ({
        ...current,
        runId: log.runId,
        chunks: current.runId === log.runId ? mergeChunks(current.chunks, [chunk]) : [chunk],
      }));
    },
    [taskId, requestedRunId],
  );
  useLiveEvents({ taskId }, onEvent);

  return state;
}
