import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 25;
/** After SIGKILL the kernel needs a moment; waiting longer than this would only hang a run. */
const AFTER_KILL_WAIT_MS = 2_000;

/**
 * Whether a process group still has a member that is not a zombie. `kill(-pgid, 0)` alone is not
 * enough: orphans that died wait as zombies until init reaps them, which some container inits do
 * only every few seconds. On Linux, /proc tells zombies apart; elsewhere the kill answer is used.
 */
export async function processGroupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
  return (await liveMembersFromProc(pgid)) ?? true;
}

async function liveMembersFromProc(pgid: number): Promise<boolean | null> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

/**
 * Stops every process of a group: SIGTERM, up to `graceMs` for them to leave, then SIGKILL.
 * Resolves once the group is gone (or, after SIGKILL, a bounded wait has passed).
 */
export async function terminateProcessGroup(pgid: number, graceMs: number): Promise<void> {
  if (!(await processGroupAlive(pgid))) return;
  signalGroup(pgid, 'SIGTERM');
  if (await waitUntilGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  await waitUntilGone(pgid, AFTER_KILL_WAIT_MS);
}

async function waitUntilGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await processGroupAlive(pgid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group left on its own in the meantime.
  }
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
