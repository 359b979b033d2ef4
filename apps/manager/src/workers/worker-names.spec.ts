import { describe, expect, it } from 'vitest';
import { parseWorkerSelection, WORKER_NAMES } from './worker-names';

describe('parseWorkerSelection', () => {
  it('enables every worker for all (and by default) and none for none', () => {
    expect(parseWorkerSelection('all')).toEqual({ ok: true, enabled: [...WORKER_NAMES] });
    expect(parseWorkerSelection('')).toEqual({ ok: true, enabled: [...WORKER_NAMES] });
    expect(parseWorkerSelection(' none ')).toEqual({ ok: true, enabled: [] });
  });

  it('takes a comma list of known names, once each', () => {
    expect(parseWorkerSelection('run-reaper, agent-liveness,run-reaper')).toEqual({
      ok: true,
      enabled: ['run-reaper', 'agent-liveness'],
    });
  });

  it('names the unknown workers of a list', () => {
    expect(parseWorkerSelection('run-reaper,reaper,liveness')).toEqual({
      ok: false,
      unknown: ['reaper', 'liveness'],
    });
  });
});
