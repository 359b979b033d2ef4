import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Creates `<workRoot>/runs/<runId>/` (0700), fresh: a directory left by a crash is removed first,
 * so a step never sees another attempt's files.
 */
export async function prepareRunDir(workRoot: string, runId: number): Promise<string> {
  const runsDir = path.join(workRoot, 'runs');
  await mkdir(runsDir, { recursive: true, mode: 0o700 });
  const dir = path.join(runsDir, String(runId));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o700 });
  // mkdir's mode passes through the umask; make the privacy explicit.
  await chmod(dir, 0o700);
  return dir;
}

export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 2 });
}
