import { randomBytes } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { joinIdSchema } from '@outpost/shared';
import { z } from 'zod';
import { fsyncDir, writeFileAtomic } from './atomic-file';
import { readStateFile } from './identity-store';

/**
 * A join begun and not yet finished: the join id the agent sends with every attempt of it, kept
 * in the state dir BEFORE the first attempt, so a retry — in this process or after a restart —
 * repeats the same join (the manager then answers the agent it already made, and spends the join
 * token once) instead of making a second agent.
 */
export const pendingJoinSchema = z.object({
  joinId: joinIdSchema,
  zoneId: z.number().int().positive(),
  startedAt: z.string(),
});
export type PendingJoin = z.infer<typeof pendingJoinSchema>;

export const PENDING_JOIN_FILE = 'join.json';

/** 128 random bits, base64url (22 characters). */
export const newJoinId = (): string => randomBytes(16).toString('base64url');

export function readPendingJoin(dir: string): Promise<PendingJoin | null> {
  return readStateFile(join(dir, PENDING_JOIN_FILE), pendingJoinSchema, 'remove it to start the join anew');
}

/**
 * The join to attempt for this zone: the one begun earlier (same zone), or a new one, durably
 * written (mode 0600, atomically) before this returns.
 */
export async function beginJoin(
  dir: string,
  zoneId: number,
  now: Date = new Date(),
): Promise<{ pending: PendingJoin; resumed: boolean }> {
  const earlier = await readPendingJoin(dir);
  if (earlier && earlier.zoneId === zoneId) return { pending: earlier, resumed: true };
  const pending: PendingJoin = { joinId: newJoinId(), zoneId, startedAt: now.toISOString() };
  await writeFileAtomic(join(dir, PENDING_JOIN_FILE), `${JSON.stringify(pending, null, 2)}\n`, 0o600);
  return { pending, resumed: false };
}

/** Forgets the pending join: once the identity is stored, or when the manager says the id is spent. */
export async function endJoin(dir: string): Promise<void> {
  try {
    await unlink(join(dir, PENDING_JOIN_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await fsyncDir(dir);
}
