import { describe, expect, it } from 'vitest';
import { livenessVerdict } from './liveness-rules';

const thresholds = { suspectAfterMs: 30_000, offlineAfterMs: 90_000 };
const now = new Date('2030-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const longAgo = ago(3_600_000);

describe('livenessVerdict', () => {
  it('keeps a recently seen agent online', () => {
    expect(
      livenessVerdict({ state: 'online', lastSeenAt: ago(30_000) }, longAgo, now, thresholds),
    ).toBeNull();
  });

  it('turns a silent online agent suspect, then offline', () => {
    expect(livenessVerdict({ state: 'online', lastSeenAt: ago(30_001) }, longAgo, now, thresholds)).toBe(
      'suspect',
    );
    expect(
      livenessVerdict({ state: 'suspect', lastSeenAt: ago(60_000) }, longAgo, now, thresholds),
    ).toBeNull();
    expect(livenessVerdict({ state: 'suspect', lastSeenAt: ago(90_001) }, longAgo, now, thresholds)).toBe(
      'offline',
    );
    expect(livenessVerdict({ state: 'online', lastSeenAt: ago(90_001) }, longAgo, now, thresholds)).toBe(
      'offline',
    );
  });

  it('never brings an agent back and never touches new, offline or retired agents', () => {
    expect(livenessVerdict({ state: 'suspect', lastSeenAt: now }, longAgo, now, thresholds)).toBeNull();
    for (const state of ['new', 'offline', 'retired'] as const) {
      expect(livenessVerdict({ state, lastSeenAt: longAgo }, longAgo, now, thresholds)).toBeNull();
    }
  });

  it('judges nobody before they had a chance to be seen since this process started watching', () => {
    expect(
      livenessVerdict({ state: 'online', lastSeenAt: longAgo }, ago(29_000), now, thresholds),
    ).toBeNull();
    expect(livenessVerdict({ state: 'online', lastSeenAt: null }, ago(31_000), now, thresholds)).toBe(
      'suspect',
    );
  });
});
