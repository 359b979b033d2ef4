import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { UserRole } from '@outpost/shared';
import type { DataSource } from 'typeorm';
import { DataSource as DataSourceToken } from 'typeorm';
import { signSession } from '../../src/common/auth/session-tokens';
import { Clock } from '../../src/common/clock/clock';
import { PasswordHasher } from '../../src/common/crypto/password-hasher';
import type { AppConfig } from '../../src/config/config.schema';
import type { DatabaseTarget } from '../../src/database/data-source.factory';
import { loadConfig } from '../../src/config/load-config';
import { createApp } from '../../src/create-app';
import { UserEntity } from '../../src/users/user.entity';
import { createTestDatabase, type TestDatabaseKind } from './test-database';

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (for malformed JSON and wrong content types). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestApp {
  kind: TestDatabaseKind;
  baseUrl: string;
  app: NestExpressApplication;
  config: AppConfig;
  /** The manager's own DataSource, for asserting what is (or is not) stored. */
  dataSource: DataSource;
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<CallResult<T>>;
  /** A user of that role created directly in the database, and a session token for them. */
  tokenFor(role: UserRole): Promise<string>;
  close(): Promise<void>;
}

let userCounter = 0;

export interface StartOptions {
  /**
   * Run on this existing database instead of a fresh one (several managers sharing one database).
   * The caller created it (`createTestDatabase`) and drops it; `close()` leaves it alone.
   */
  databaseTarget?: DatabaseTarget;
  /**
   * The business clock every service reads (`Clock`), installed before the app boots, so workers
   * and services see it from their first pass (e.g. a `ManualClock` from ./manual-clock).
   */
  clock?: Clock;
}

/**
 * A real manager on a fresh database (SQLite file or a new MariaDB database), listening on a free
 * loopback port, with response validation on so every answer is checked against its contract.
 */
export async function startTestApp(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const database = options.databaseTarget
    ? { target: options.databaseTarget, drop: async () => undefined }
    : await createTestDatabase(kind);
  if ('dataSource' in database) await database.dataSource.destroy();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outpost-app-'));
  const config: AppConfig = {
    // Background workers off unless the test asks for some: API tests write rows (agents last seen
    // long ago, due tasks) that workers would change under them.
    ...loadConfig({
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_VALIDATE_RESPONSES: 'true',
      OUTPOST_WORKERS: 'none',
      ...env,
    }),
    database: database.target,
  };
  const app = await createApp(config, { logger: false });
  if (options.clock) {
    // Before listen() boots the app: the one Clock instance every provider holds now reads the test's.
    const clock = options.clock;
    app.get(Clock).now = () => clock.now();
  }
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const dataSource = app.get(DataSourceToken);
  const hasher = new PasswordHasher();

  return {
    kind,
    baseUrl,
    app,
    config,
    dataSource,
    async call(method, urlPath, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${baseUrl}${urlPath}`, { method, headers, body });
      // A stream (the live SSE route) never ends: answer with its status and headers only.
      if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
        await response.body?.cancel();
        return { status: response.status, body: '' as any, headers: response.headers };
      }
      const text = await response.text();
      let parsed: unknown = text;
      if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: response.status, body: parsed as any, headers: response.headers };
    },
    async tokenFor(role) {
      userCounter += 1;
      const now = new Date();
      const user = await dataSource.manager.save(
        UserEntity,
        dataSource.manager.create(UserEntity, {
          username: `${role}-${userCounter}-${process.pid}`,
          passwordHash: await hasher.hash('correct horse battery'),
          role,
          isDisabled: false,
          lastLoginAt: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
      return signSession(user, { secret: config.jwtSecret, ttlSeconds: 3600, now }).accessToken;
    },
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
