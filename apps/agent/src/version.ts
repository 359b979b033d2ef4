import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Replaced with a string literal by the bundler (scripts/bundle.mjs), which inlines package.json's version. */
declare const OUTPOST_AGENT_VERSION: string | undefined;

/** From `src/` (tests) and `dist/` (tsc build) alike, package.json is one folder up. */
function readPackageVersion(): string {
  try {
    const pkg = z
      .object({ version: z.string() })
      .parse(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')));
    return pkg.version;
  } catch {
    return '0.0.0-unknown';
  }
}

export const AGENT_VERSION: string =
  typeof OUTPOST_AGENT_VERSION === 'string' ? OUTPOST_AGENT_VERSION : readPackageVersion();
