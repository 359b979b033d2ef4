import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'outpost-config-'));

describe('loadConfig', () => {
  it('uses the embedded defaults: port 8090, SQLite in the data dir', () => {
    const dataDir = tempDir();
    const config = loadConfig({ OUTPOST_DATA_DIR: dataDir });
    expect(config.port).toBe(8090);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.join(dataDir, 'outpost.sqlite') });
    expect(config.amqpUrl).toBeNull();
    expect(config.publicUrl).toBe('http://localhost:8090');
  });

  it('generates secrets once, keeps them private in the data dir and reuses them', () => {
    const dataDir = tempDir();
    const first = loadConfig({ OUTPOST_DATA_DIR: dataDir });
    const second = loadConfig({ OUTPOST_DATA_DIR: dataDir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.credentialsKey).toHaveLength(32);
    expect(second.jwtSecret).toBe(first.jwtSecret);
    expect(second.credentialsKey.equals(first.credentialsKey)).toBe(true);
    expect(statSync(path.join(dataDir, 'secrets', 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('stops with a message naming the wrong variable', () => {
    expect(() => loadConfig({ OUTPOST_DATA_DIR: tempDir(), OUTPOST_PORT: 'eighty' })).toThrow(/OUTPOST_PORT/);
    expect(() => loadConfig({ OUTPOST_DATA_DIR: tempDir(), OUTPOST_DATABASE_URL: 'postgres://x/y' })).toThrow(
      /OUTPOST_DATABASE_URL: must be a mysql:\/\//,
    );
    expect(() => loadConfig({ OUTPOST_DATA_DIR: tempDir(), OUTPOST_CREDENTIALS_KEY: 'short' })).toThrow(
      ConfigError,
    );
  });

  it('never echoes a secret value in its error', () => {
    try {
      loadConfig({ OUTPOST_DATA_DIR: tempDir(), OUTPOST_JWT_SECRET: 'tooshort-secret-value' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/OUTPOST_JWT_SECRET/);
      expect((error as Error).message).not.toContain('tooshort-secret-value');
    }
  });

  it('reads secrets from _FILE variables and settings from OUTPOST_CONFIG_FILE, the environment winning', () => {
    const dir = tempDir();
    const secretFile = path.join(dir, 'jwt');
    writeFileSync(secretFile, `${'s'.repeat(40)}\n`);
    const configFile = path.join(dir, 'outpost.env');
    writeFileSync(configFile, '# comment\nOUTPOST_PORT=9100\nOUTPOST_LOG_LEVEL="warn"\n');
    const config = loadConfig({
      OUTPOST_DATA_DIR: dir,
      OUTPOST_CONFIG_FILE: configFile,
      OUTPOST_JWT_SECRET_FILE: secretFile,
      OUTPOST_PORT: '9200',
    });
    expect(config.jwtSecret).toBe('s'.repeat(40));
    expect(config.port).toBe(9200);
    expect(config.logLevel).toBe('warn');
    expect(readFileSync(secretFile, 'utf8')).toContain('s');
  });

  it('refuses a secret given both directly and as a file', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'k'), 'x'.repeat(40));
    expect(() =>
      loadConfig({
        OUTPOST_DATA_DIR: dir,
        OUTPOST_JWT_SECRET: 'y'.repeat(40),
        OUTPOST_JWT_SECRET_FILE: path.join(dir, 'k'),
      }),
    ).toThrow(/both set/);
  });

  it('accepts a MySQL or MariaDB URL', () => {
    const config = loadConfig({
      OUTPOST_DATA_DIR: tempDir(),
      OUTPOST_DATABASE_URL: 'mariadb://root@127.0.0.1:3306/outpost',
    });
    expect(config.database).toEqual({ kind: 'mysql', url: 'mariadb://root@127.0.0.1:3306/outpost' });
  });
});
