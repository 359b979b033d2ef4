// One file + Node is all a host needs: bundles src/main.ts with @outpost/shared and zod inlined.
/* global process, console */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '..', '..');
const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
const outfile = process.argv[2] ? resolve(process.argv[2]) : join(appDir, 'dist', 'outpost-agent.js');

await build({
  entryPoints: [join(appDir, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  // tsconfig.app.json resets `paths`; bundle the shared sources, not a possibly stale dist.
  alias: { '@outpost/shared': join(repoRoot, 'libs', 'shared', 'src', 'index.ts') },
  tsconfig: join(appDir, 'tsconfig.app.json'),
  define: { OUTPOST_AGENT_VERSION: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
console.log(`bundled ${outfile}`);
