/**
 * Every background worker of the manager, by lock name. `OUTPOST_WORKERS` is validated against
 * this list and `WorkerRegistry.register` refuses a name that is not on it, so a typo in the
 * setting stops the process instead of silently disabling a worker. Add a new worker's name here.
 */
export const WORKER_NAMES = [
  'agent-liveness',
  'task-scheduler',
  'run-reaper',
  'retention',
  'event-publisher',
  'webhook-fanout',
  'webhook-delivery',
] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

export function isWorkerName(name: string): name is WorkerName {
  return (WORKER_NAMES as readonly string[]).includes(name);
}

/**
 * Parses `OUTPOST_WORKERS`: `all` (default), `none`, or a comma list of names. Returns the enabled
 * names, or the unknown ones as an error.
 */
export function parseWorkerSelection(
  value: string,
): { ok: true; enabled: WorkerName[] } | { ok: false; unknown: string[] } {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'all') return { ok: true, enabled: [...WORKER_NAMES] };
  if (trimmed === 'none') return { ok: true, enabled: [] };
  const names = [
    ...new Set(
      trimmed
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !isWorkerName(name));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, enabled: names.filter(isWorkerName) };
}
