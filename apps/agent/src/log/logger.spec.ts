import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RootLogger } from './logger';

describe('RootLogger', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes lines at or above the level to agent.log', async () => {
    const logger = new RootLogger({ level: 'info', filePath: join(dir, 'agent.log'), stdout: false });
    logger.debug('hidden');
    logger.child('election').info('role', { role: 'primary' });
    logger.close();
    const text = await readFile(join(dir, 'agent.log'), 'utf8');
    expect(text).not.toContain('hidden');
    expect(text).toMatch(/INFO {2}\[election\] role \{"role":"primary"\}/);
  });

  it('changes level at run time and reports before/current', async () => {
    const logger = new RootLogger({ level: 'warn', filePath: join(dir, 'agent.log'), stdout: false });
    expect(logger.setLevel('debug')).toEqual({ before: 'warn', current: 'debug' });
    logger.debug('now visible');
    logger.close();
    expect(await readFile(join(dir, 'agent.log'), 'utf8')).toContain('now visible');
  });

  it('never writes secrets, by field name or by value', async () => {
    const logger = new RootLogger({ level: 'debug', filePath: join(dir, 'agent.log'), stdout: false });
    logger.addSecret('cred-0123456789abcdef');
    logger.info('using cred-0123456789abcdef for the session', {
      credential: 'whatever',
      token: 'tok-abcdefgh',
      apiKey: 'k',
      note: 'x cred-0123456789abcdef',
    });
    logger.close();
    const text = await readFile(join(dir, 'agent.log'), 'utf8');
    expect(text).not.toContain('cred-0123456789abcdef');
    expect(text).not.toContain('tok-abcdefgh');
    expect(text).not.toContain('whatever');
    expect(text).toContain('[redacted]');
  });

  it('rotates the file when it reaches the size limit', async () => {
    const logger = new RootLogger({
      level: 'info',
      filePath: join(dir, 'agent.log'),
      stdout: false,
      maxFileBytes: 1_000,
      backups: 2,
    });
    for (let i = 0; i < 60; i += 1) logger.info(`line ${i} ${'x'.repeat(40)}`);
    logger.close();
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['agent.log', 'agent.log.1', 'agent.log.2']);
    for (const file of files)
      expect(Buffer.byteLength(await readFile(join(dir, file), 'utf8'))).toBeLessThanOrEqual(1_000);
    expect(await readFile(join(dir, 'agent.log'), 'utf8')).toContain('line 59');
  });
});
