import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fitLogWindow, readLogWindow } from './agent-log-window';

describe('readLogWindow', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'outpost-log-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('drops a multi-byte character cut by the window instead of mangling it', async () => {
    const file = path.join(dir, 'a.log');
    await writeFile(file, 'ééé'); // 6 bytes
    expect(await readLogWindow(file, 'OLDEST', 3)).toEqual({ logs: 'é', truncated: true });
    expect(await readLogWindow(file, 'LATEST', 3)).toEqual({ logs: 'é', truncated: true });
    expect(await readLogWindow(file, 'LATEST', 6)).toEqual({ logs: 'ééé', truncated: false });
  });

  it('shortens a window whose encoded form is too long, from the cut side', () => {
    const encoded = (w: { logs: string; truncated: boolean }) => JSON.stringify(w).length;
    const window = { logs: '0123456789'.repeat(10), truncated: false };
    const latest = fitLogWindow(window, 'LATEST', 60, encoded);
    expect(encoded(latest)).toBeLessThanOrEqual(60);
    expect(latest.truncated).toBe(true);
    expect(window.logs.endsWith(latest.logs)).toBe(true);
    const oldest = fitLogWindow(window, 'OLDEST', 60, encoded);
    expect(window.logs.startsWith(oldest.logs)).toBe(true);
  });
});
