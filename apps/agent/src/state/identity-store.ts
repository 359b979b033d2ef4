import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file';

/** What `join` gives an agent once; it never joins again while this file exists. */
export const storedIdentitySchema = z.object({
  agentKey: z.string().min(1),
  zoneId: z.number().int().positive(),
  managerUrl: z.string().min(1),
  credential: z.string().min(1),
  joinedAt: z.string(),
});
export type StoredIdentity = z.infer<typeof storedIdentitySchema>;

export const IDENTITY_FILE = 'identity.json';

export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

/**
 * Creates the state dir (0700: it holds the agent credential). An existing directory is left as it
 * is (it may be shared, like /tmp); the answer says when others can read it, for a warning. The
 * credential file itself is 0600 either way.
 */
export async function ensureStateDir(dir: string): Promise<{ created: boolean; openToOthers: boolean }> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  return { created: created !== undefined, openToOthers: (mode & 0o077) !== 0 };
}

/**
 * A JSON file of the state dir, checked with its schema: null when it does not exist; a clear
 * StateDirError (saying what to do: `remedy`) when it cannot be read, is not JSON, or does not fit.
 */
export async function readStateFile<S extends z.ZodType>(
  file: string,
  schema: S,
  remedy: string,
): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateDirError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StateDirError(`${file} is not valid JSON; ${remedy}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new StateDirError(`${file} is incomplete or corrupt; ${remedy}`);
  return parsed.data;
}

export function readIdentity(dir: string): Promise<StoredIdentity | null> {
  return readStateFile(join(dir, IDENTITY_FILE), storedIdentitySchema, 'remove it to join again');
}

/** Mode 0600, written atomically: a crash never leaves a half-written credential. */
export async function writeIdentity(dir: string, identity: StoredIdentity): Promise<void> {
  await writeFileAtomic(join(dir, IDENTITY_FILE), `${JSON.stringify(identity, null, 2)}\n`, 0o600);
}
