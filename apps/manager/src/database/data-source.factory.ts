import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { allMigrations } from '@outpost/migrations';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { allEntities } from './entities';
import { gateSqliteAccess } from './sqlite-access-gate';

/**
 * Where the manager keeps its data: an embedded SQLite file (the default, no other service
 * needed) or a MySQL 8 / MariaDB 10.11 server. The URL scheme picks TypeORM's dialect:
 * `mysql://` for MySQL, `mariadb://` for MariaDB. Queries work either way, but only the MariaDB
 * dialect reads a MariaDB schema correctly, so the drift check (`pendingSchemaChanges`) needs it.
 */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'mysql'; url: string };

/** How long a SQLite writer waits for another writer's lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Builds the one DataSource of the process. It is NOT initialized; call `initialize()` (and
 * `runMigrations` from ./migrate). `synchronize` is never used: migrations are the only way the
 * schema changes.
 */
export function createDataSource(target: DatabaseTarget, options: { logging?: boolean } = {}): DataSource {
  const common = {
    entities: allEntities,
    migrations: allMigrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: options.logging ?? false,
  } as const;

  if (target.kind === 'mysql') {
    return new DataSource({
      ...common,
      type: target.url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
      url: target.url,
      // Dates are written and read as UTC whatever the server's or the process's time zone is.
      timezone: 'Z',
      charset: 'utf8mb4',
      supportBigNumbers: true,
      // BIGINT results (COUNT(*), SUM) come back as numbers when they fit, as on SQLite.
      bigNumberStrings: false,
      extra: { connectionLimit: 20 },
    });
  }

  if (target.file !== ':memory:') mkdirSync(path.dirname(path.resolve(target.file)), { recursive: true });
  const dataSource = new DataSource({
    ...common,
    type: 'better-sqlite3',
    database: target.file,
    prepareDatabase: (db: SqliteDatabase) => {
      db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      // TypeORM's driver also turns this on right after prepareDatabase; stated here so the
      // guarantee does not hang on a library detail.
      db.pragma('foreign_keys = ON');
    },
  });
  // Concurrent requests must not share a transaction on SQLite's single connection.
  const initialize = dataSource.initialize.bind(dataSource);
  dataSource.initialize = async () => {
    await initialize();
    gateSqliteAccess(dataSource);
    return dataSource;
  };
  return dataSource;
}
