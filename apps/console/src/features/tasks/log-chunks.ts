import type { TaskLogChunk } from '@outpost/shared';

/** Inserts chunks by seq, ignoring ones already held (the load and the stream may overlap). */
export function mergeChunks(current: TaskLogChunk[], incoming: TaskLogChunk[]): TaskLogChunk[] {
  if (incoming.length === 0) return current;
  const seen = new Set(current.map((chunk) => chunk.seq));
  const fresh = incoming.filter((chunk) => !seen.has(chunk.seq));
  if (fresh.length === 0) return current;
  const last = current.at(-1)?.seq ?? 0;
  const next = [...current, ...fresh];
  // Usually chunks arrive in order and this is a plain append; sort only when one came late.
  if (
    fresh.some((chunk) => chunk.seq < last) ||
    fresh.some((c, i) => i > 0 && c.seq < (fresh[i - 1]?.seq ?? 0))
  ) {
    next.sort((a, b) => a.seq - b.seq);
  }
  return next;
}
