import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';

/**
 * What a running daemon last said about itself, for `outpost-agent status` (which reads the state
 * dir, not the daemon). Written on start, on every role change and on stop.
 */
export const runtimeSnapshotSchema = z.object({
  pid: z.number().int(),
  role: z.string(),
  epoch: z.number().int(),
  primaryAgentKey: z.string().nullable(),
  lanPort: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
  stoppedAt: z.string().nullable(),
});
export type RuntimeSnapshot = z.infer<typeof runtimeSnapshotSchema>;

export const RUNTIME_FILE = 'runtime.json';

export async function writeRuntimeSnapshot(dir: string, snapshot: RuntimeSnapshot): Promise<void> {
  await writeFileAtomic(join(dir, RUNTIME_FILE), `${JSON.stringify(snapshot, null, 2)}\n`, 0o600);
}

export async function readRuntimeSnapshot(dir: string): Promise<RuntimeSnapshot | null> {
  try {
    const parsed = runtimeSnapshotSchema.safeParse(
      JSON.parse(await readFile(join(dir, RUNTIME_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
