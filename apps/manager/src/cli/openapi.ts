import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../openapi/openapi-document';
import { MANAGER_VERSION } from '../version';

/**
 * Writes docs/openapi.json from the shared route definitions; with --check, fails when the
 * committed file differs (CI runs that, so the spec cannot drift from the code).
 */
const file = path.resolve(__dirname, '../../../../docs/openapi.json');
const generated = `${JSON.stringify(buildOpenApiDocument(MANAGER_VERSION), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing counts as drift
  }
  if (committed !== generated) {
    console.error(`docs/openapi.json is out of date: run \`npm run openapi\` and commit the result`);
    process.exit(1);
  }
  console.log('docs/openapi.json matches the route definitions');
} else {
  writeFileSync(file, generated);
  console.log(`wrote ${file}`);
}
