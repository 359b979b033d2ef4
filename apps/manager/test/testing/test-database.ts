import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { createDataSource, type DatabaseTarget } from '../../src/database/data-source.factory';
import { runMigrations } from '../../src/database/migrate';

export type TestDatabaseKind = 'sqlite' | 'mariadb';

export type TestDatabase = {
  kind: TestDatabaseKind;
  target: DatabaseTarget;
  /** Initialized; migrated unless `{ migrate: false }` was asked for. */
  dataSource: DataSource;
  /** Closes the data source and deletes the database (MariaDB) or its directory (SQLite). */
  drop(): Promise<void>;
};

const allKinds: readonly TestDatabaseKind[] = ['sqlite', 'mariadb'];
const defaultMysqlUrl = 'mysql://root@127.0.0.1:3306';

/** The kinds to run integration tests against: both, unless `OUTPOST_TEST_DATABASES=sqlite` (comma list) narrows it. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  const wanted = process.env['OUTPOST_TEST_DATABASES'];
  if (!wanted?.trim()) return [...allKinds];
  const kinds = wanted
    .split(',')
    .map((kind) => kind.trim())
    .filter(Boolean);
  const unknown = kinds.filter((kind) => !allKinds.includes(kind as TestDatabaseKind));
  if (unknown.length > 0) {
    throw new Error(
      `OUTPOST_TEST_DATABASES: unknown kind(s) ${unknown.join(', ')}; use ${allKinds.join(', ')}`,
    );
  }
  return allKinds.filter((kind) => kinds.includes(kind));
}

/**
 * A fresh, empty database of the given kind, with the real migrations applied: a new
 * `outpost_t_<hex>` database on the MariaDB of this machine (`OUTPOST_TEST_MYSQL_URL` to point
 * elsewhere), or a SQLite file in a new temp dir. Always call `drop()` (in `afterAll`).
 */
export async function createTestDatabase(
  kind: TestDatabaseKind,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const created = kind === 'mariadb' ? await createMariaDb() : await createSqlite();
  const dataSource = createDataSource(created.target);
  const drop = async (): Promise<void> => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await created.remove();
  };
  try {
    await dataSource.initialize();
    if (options.migrate ?? true) await runMigrations(dataSource);
  } catch (error) {
    await drop();
    throw error;
  }
  return { kind, target: created.target, dataSource, drop };
}

type CreatedDatabase = { target: DatabaseTarget; remove(): Promise<void> };

async function createMariaDb(): Promise<CreatedDatabase> {
  const serverUrl = new URL(process.env['OUTPOST_TEST_MYSQL_URL'] || defaultMysqlUrl);
  serverUrl.pathname = '/';
  const name = `outpost_t_${randomBytes(6).toString('hex')}`;
  await withServer(serverUrl, (sql) =>
    sql(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  );
  const databaseUrl = new URL(serverUrl);
  databaseUrl.pathname = `/${name}`;
  // The server is MariaDB: speak TypeORM's MariaDB dialect, or its schema introspection misreads
  // MariaDB's column defaults and the drift check reports changes that are not there.
  databaseUrl.protocol = 'mariadb:';
  return {
    target: { kind: 'mysql', url: databaseUrl.toString() },
    remove: () => withServer(serverUrl, (sql) => sql(`DROP DATABASE IF EXISTS \`${name}\``)),
  };
}

async function withServer(
  serverUrl: URL,
  work: (sql: (statement: string) => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  const connection = await createConnection(serverUrl.toString());
  try {
    await work((statement) => connection.query(statement));
  } finally {
    await connection.end();
  }
}

async function createSqlite(): Promise<CreatedDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'outpost-t-'));
  return {
    target: { kind: 'sqlite', file: path.join(dir, 'outpost.sqlite') },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
