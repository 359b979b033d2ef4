import { ConfigError, loadConfig } from '../config/load-config';
import { openDatabase } from '../database/database.module';

/** `npm run db:migrate`: applies pending migrations with the same settings the manager uses. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await openDatabase(config.database);
  const pending = await dataSource.showMigrations();
  await dataSource.destroy();
  console.log(pending ? 'migrations still pending' : 'database schema is up to date');
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError
      ? error.message
      : `migration failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
