import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import type { DatabaseTargetConfig } from '../config/config.schema';
import { createDataSource } from './data-source.factory';
import { runMigrations } from './migrate';
import { TransactionRunner } from './transaction-runner';

/** With a mysql:// URL naming a database that does not exist yet, create it (if allowed). */
async function ensureMysqlDatabase(url: string): Promise<void> {
  // mysql2 speaks to both servers; it only knows the mysql:// scheme.
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database)
    throw new Error('OUTPOST_DATABASE_URL: name the database, e.g. mysql://root@127.0.0.1:3306/outpost');
  parsed.pathname = '/';
  const connection = await createConnection({ uri: parsed.toString() });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`,
    );
  } finally {
    await connection.end();
  }
}

/** Opens the database and applies pending migrations before anything else starts. */
export async function openDatabase(target: DatabaseTargetConfig): Promise<DataSource> {
  if (target.kind === 'mysql') await ensureMysqlDatabase(target.url);
  const dataSource = createDataSource(target);
  await dataSource.initialize();
  const applied = await runMigrations(dataSource);
  if (applied.length) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
  return dataSource;
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forDataSource(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useValue: dataSource }, TransactionRunner],
      exports: [DataSource, TransactionRunner],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
