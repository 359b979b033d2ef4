// One file + Node is all a host needs: bundles src/main.ts with @outpost/shared and zod inlined.
//
// The bundle is also what an idle agent's memory is made of (bench scenario 6, bench/README.md):
// V8 builds every zod schema the bundle defines when the agent starts, and compiles what runs.
// So the bundle keeps only what the agent uses:
// - zod tree-shaken: `import { z } from 'zod'` hands over zod's whole namespace as one value, which
//   keeps all of zod (every schema class and ~390 KiB of error-message locales); the agent and
//   shared sources are bundled as `import * as z from 'zod'`, which only reads `z.<member>`, so
//   esbuild drops what is not used;
// - @outpost/shared tree-shaken: its top-level constants (schemas, route tables) are marked pure,
//   so the manager's and console's contracts the agent never reads are left out instead of being
//   built at every start;
// - the output ASCII-only (see below).
// Both rewrites happen only here, on the way into esbuild: tsc, vitest and the other apps see the
// sources as they are.
/* global process, console */
import { build } from 'esbuild';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '..', '..');
const agentSrc = join(appDir, 'src') + sep;
const sharedSrc = join(repoRoot, 'libs', 'shared', 'src') + sep;
const { version } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
const outfile = process.argv[2] ? resolve(process.argv[2]) : join(appDir, 'dist', 'outpost-agent.js');

/** `import { z } from 'zod'` -> `import * as z from 'zod'` (zod exports `z` as its namespace). */
const zodNamespaceImport = (source) =>
  source.replace(/^import \{ z \} from 'zod';$/gm, "import * as z from 'zod';");

/**
 * Wraps the initializer of every top-level `const` that calls something in a pure IIFE:
 * `export const a = z.object({...}).meta({...})` -> `export const a = /* @__PURE__ *\/ (() => (...))()`.
 * esbuild then drops the constant when nothing in the bundle reads it, and evaluates it as before
 * when something does. This holds because libs/shared is contracts only: its top-level constants
 * build values (schemas, route tables, lists) and do nothing else. The one side effect dropped with
 * an unused schema is its `.meta({ id })` entry in zod's global registry, which only the manager's
 * OpenAPI document reads.
 */
function markTopLevelConstantsPure(source, fileName) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const calls = (node) =>
    ts.isCallExpression(node) || ts.isNewExpression(node) || ts.forEachChild(node, calls);
  const edits = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const { initializer } of statement.declarationList.declarations) {
      if (!initializer || !calls(initializer)) continue;
      edits.push({ at: initializer.getStart(file), text: '/* @__PURE__ */ (() => (' });
      edits.push({ at: initializer.getEnd(), text: '))()' });
    }
  }
  let out = source;
  for (const { at, text } of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

const leanSources = {
  name: 'lean-sources',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const shared = args.path.startsWith(sharedSrc);
      if (!shared && !args.path.startsWith(agentSrc)) return undefined;
      let source = zodNamespaceImport(await readFile(args.path, 'utf8'));
      if (shared) source = markTopLevelConstantsPure(source, args.path);
      return { contents: source, loader: 'ts' };
    });
  },
};

const result = await build({
  entryPoints: [join(appDir, 'src', 'main.ts')],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  // tsconfig.app.json resets `paths`; bundle the shared sources, not a possibly stale dist.
  alias: { '@outpost/shared': join(sharedSrc, 'index.ts') },
  plugins: [leanSources],
  tsconfig: join(appDir, 'tsconfig.app.json'),
  define: { OUTPOST_AGENT_VERSION: JSON.stringify(version) },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
// esbuild escapes non-ASCII characters in code (charset: ascii) but leaves comments as they are.
// One such character anywhere (zod has a few in comments) makes V8 keep the whole source as a
// two-byte string, twice the memory; escaped, a comment is still only a comment.
const text = result.outputFiles[0].text.replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
);
await writeFile(outfile, text);
console.log(`bundled ${outfile}`);
