import { describe, expect, it } from 'vitest';
import { buildStepEnv } from './step-env';

describe('buildStepEnv', () => {
  it('adds one variable per credential and drops the agent settings', () => {
    const { env, skippedKeys } = buildStepEnv(
      { PATH: '/bin', OUTPOST_STATE_DIR: '/var/lib/outpost', LANG: undefined },
      { DB_PASSWORD: 'x' },
    );
    expect(env).toEqual({ PATH: '/bin', DB_PASSWORD: 'x' });
    expect(skippedKeys).toEqual([]);
  });

  it('refuses credentials that would replace the step contract or shell variables', () => {
    const { env, skippedKeys } = buildStepEnv(
      { PATH: '/bin' },
      { PATH: '/evil', TASK_RESULT: 'x', IFS: '-', 'BAD-NAME': 'y', OK_1: 'z' },
    );
    expect(env).toEqual({ PATH: '/bin', OK_1: 'z' });
    expect(skippedKeys.sort()).toEqual(['BAD-NAME', 'IFS', 'PATH', 'TASK_RESULT']);
  });
});
