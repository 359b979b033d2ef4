import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDataSource, type DatabaseTarget } from '../database/data-source.factory';
import { pendingSchemaChanges, runMigrations } from '../database/migrate';

/**
 * CI guard against drift between entities and migrations: migrates a fresh database (the one at
 * OUTPOST_DATABASE_URL, or a throwaway SQLite file when it is unset), then prints the SQL TypeORM
 * would still need and exits 1 if there is any.
 *
 *   node apps/manager/dist/cli/check-schema.js
 *   OUTPOST_DATABASE_URL=mariadb://root@127.0.0.1:3306/outpost_check node apps/manager/dist/cli/check-schema.js
 */
async function main(): Promise<number> {
  const url = process.env['OUTPOST_DATABASE_URL'];
  const tempDir = url ? undefined : mkdtempSync(path.join(tmpdir(), 'outpost-check-schema-'));
  const target: DatabaseTarget = url
    ? { kind: 'mysql', url }
    : { kind: 'sqlite', file: path.join(tempDir!, 'outpost.sqlite') };
  const dataSource = createDataSource(target);
  try {
    await dataSource.initialize();
    const applied = await runMigrations(dataSource);
    console.log(
      `${dataSource.options.type}: applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}`,
    );
    const changes = await pendingSchemaChanges(dataSource);
    if (changes.length === 0) {
      console.log('entities and migrations agree');
      return 0;
    }
    console.error(
      `entities and migrations disagree; a migration is missing for:\n${changes.map((sql) => `  ${sql};`).join('\n')}`,
    );
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
