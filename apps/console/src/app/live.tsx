import { eventTypes, LIVE_RESET_EVENT, LIVE_TASK_LOG_EVENT, liveRoutes } from '@outpost/shared';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { readAccessToken } from '../api/access-token';

/**
 * One message of the live stream:
 * - an outbox event: `type` is the event type (`TASK_STATUS_CHANGED`, `AGENT_CONNECT`, …), `data` the
 *   envelope's `data` (its payload, e.g. `{ taskId, zoneId, from, to }`), `id` the event id;
 * - `task.log` (only with a `taskId` filter): `data` is a `LiveTaskLog` (`{ taskId, runId, seq, stream, content, … }`);
 * - `reset`: events may have been missed (replay cut, or the stream was down): refetch what is shown.
 */
export interface LiveEvent {
  type: string;
  data: unknown;
  id?: string;
}

export interface LiveFilter {
  zoneId?: number;
  taskId?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function envelopeData(message: unknown): unknown {
  return message && typeof message === 'object' && 'data' in message ? message.data : message;
}

function streamUrl(filter: LiveFilter, lastEventId: string | undefined): string | null {
  const token = readAccessToken();
  if (!token) return null;
  const params = new URLSearchParams({ access_token: token });
  if (filter.zoneId !== undefined) params.set('zoneId', String(filter.zoneId));
  if (filter.taskId !== undefined) params.set('taskId', String(filter.taskId));
  if (lastEventId !== undefined) params.set('lastEventId', lastEventId);
  return `${liveRoutes.stream.path}?${params.toString()}`;
}

/**
 * Follows the manager's live stream (one EventSource per call) while the component is mounted.
 * The browser reconnects on its own after a dropped connection and sends Last-Event-ID; when the
 * manager refused the stream (the EventSource is closed), this reconnects with a growing delay,
 * resuming after the last event seen, and reports a `reset` so the page refetches.
 */
export function useLiveEvents(filter: LiveFilter, onEvent: (event: LiveEvent) => void): void {
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  });
  const { zoneId, taskId } = filter;

  useEffect(() => {
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let lastEventId: string | undefined;
    let failures = 0;
    let stopped = false;

    const deliver = (event: LiveEvent) => onEventRef.current(event);

    const connect = () => {
      const url = streamUrl({ zoneId, taskId }, lastEventId);
      if (!url || stopped) return;
      const current = new EventSource(url);
      source = current;
      current.onopen = () => {
        if (failures > 0) deliver({ type: LIVE_RESET_EVENT, data: { reason: 'reconnected' } });
        failures = 0;
      };
      for (const type of eventTypes) {
        current.addEventListener(type, (message: MessageEvent<string>) => {
          if (message.lastEventId) lastEventId = message.lastEventId;
          deliver({
            type,
            data: envelopeData(parseJson(message.data)),
            id: message.lastEventId || undefined,
          });
        });
      }
      for (const type of [LIVE_TASK_LOG_EVENT, LIVE_RESET_EVENT]) {
        current.addEventListener(type, (message: MessageEvent<string>) => {
          deliver({ type, data: parseJson(message.data) });
        });
      }
      current.onerror = () => {
        // CONNECTING: the browser retries by itself. CLOSED: it gave up (refused, or a non-stream answer).
        if (current.readyState !== EventSource.CLOSED || stopped) return;
        failures += 1;
        const delay = Math.min(1000 * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
        retryTimer = setTimeout(connect, delay);
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [zoneId, taskId]);
}

/**
 * Which query-key roots an event makes stale. Feature query keys start with their feature name
 * (`['agents', …]`, `['tasks', …]`, `['zones', …]`, `['overview', …]`), generic to specific.
 */
function staleRootsOf(type: string): readonly string[] {
  if (type.startsWith('AGENT_') || type.startsWith('PRIMARY_')) return ['agents', 'zones', 'overview'];
  if (type.startsWith('TASK_')) return ['tasks', 'zones', 'overview'];
  if (type === LIVE_RESET_EVENT) return ['agents', 'tasks', 'zones', 'overview', 'credentials', 'api-keys'];
  return [];
}

const INVALIDATE_DELAY_MS = 300;

/**
 * Keeps what is on screen current: follows the live stream (of one zone, or of all) and marks the
 * affected queries stale, in bursts, so a busy zone does not refetch once per event.
 */
export function LiveInvalidation({ zoneId, children }: { zoneId?: number; children?: ReactNode }) {
  const queryClient = useQueryClient();
  const pending = useRef(new Set<string>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  useLiveEvents(zoneId === undefined ? {} : { zoneId }, (event) => {
    const roots = staleRootsOf(event.type);
    if (roots.length === 0) return;
    for (const root of roots) pending.current.add(root);
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const stale = new Set(pending.current);
      pending.current.clear();
      void queryClient.invalidateQueries({
        predicate: (query) => typeof query.queryKey[0] === 'string' && stale.has(query.queryKey[0]),
      });
    }, INVALIDATE_DELAY_MS);
  });

  return <>{children}</>;
}
