import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/load-config';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Outpost');
  logger.log(`database: ${config.database.kind === 'sqlite' ? config.database.file : 'MySQL/MariaDB'}`);
  logger.log(`manager listening on ${config.host}:${config.port}`);
  logger.log(`open the console at ${config.publicUrl}/  (API docs: ${config.publicUrl}/swagger)`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(
      `Outpost manager failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});
