import { describe, expect, it } from 'vitest';
import { AppError } from '../common/errors/app-error';
import { AdmissionLimit } from './admission-limit';

function deferred() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

describe('AdmissionLimit', () => {
  it('runs calls up to the limit at once and refuses the next with 503 and Retry-After', async () => {
    const limit = new AdmissionLimit(2);
    const first = deferred();
    const second = deferred();
    const a = limit.run('join', () => first.done.then(() => 'a'));
    const b = limit.run('join', () => second.done.then(() => 'b'));
    expect(limit.active).toBe(2);
    const refused = await limit.run('handshake', async () => 'c').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      headers: { 'Retry-After': '2' },
      message: expect.stringContaining('retry the handshake'),
    });
    first.release();
    expect(await a).toBe('a');
    expect(await limit.run('join', async () => 'd')).toBe('d');
    second.release();
    expect(await b).toBe('b');
    expect(limit.active).toBe(0);
  });

  it('frees its place when a call fails', async () => {
    const limit = new AdmissionLimit(1);
    await expect(limit.run('join', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run('join', async () => 'ok')).toBe('ok');
  });
});
