import type { DataSource } from 'typeorm';

/** Applies every pending migration, each in its own transaction, and returns their names. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((migration) => migration.name);
}

/**
 * The SQL TypeORM would run to make the database match the entities. Empty when entities and
 * migrations agree; anything else is drift (a column, index or key the migrations never made).
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  await refuseMysqlDialectOnMariaDb(dataSource);
  const sqlInMemory = await dataSource.driver.createSchemaBuilder().log();
  return sqlInMemory.upQueries.map((query) => query.query);
}

/**
 * TypeORM's `mysql` dialect misreads MariaDB's column metadata (MariaDB reports the implicit
 * default of a nullable column as the text 'NULL'), so on a MariaDB server the check would report
 * drift that is not there. Say so instead of printing a wall of false ALTERs.
 */
async function refuseMysqlDialectOnMariaDb(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'mysql') return;
  const [row] = (await dataSource.query('SELECT VERSION() AS version')) as Array<{ version: string }>;
  if (row && /mariadb/i.test(row.version)) {
    throw new Error(
      `the server is MariaDB (${row.version}); connect with a mariadb:// URL to check its schema`,
    );
  }
}
