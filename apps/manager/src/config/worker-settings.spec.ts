import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKER_NAMES } from '../workers/worker-names';
import { loadConfig } from './load-config';

const load = (env: Record<string, string> = {}) =>
  loadConfig({ OUTPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outpost-worker-settings-')), ...env });

describe('worker, liveness, reaper and retention settings', () => {
  it('has defaults: all workers, 15 s locks, suspect 30 s, offline 90 s, heartbeat 60 s, 30/90/30 days', () => {
    const config = load();
    expect(config.workers).toEqual({ enabled: [...WORKER_NAMES], lockTtlMs: 15_000 });
    expect(config.liveness).toEqual({ suspectAfterMs: 30_000, offlineAfterMs: 90_000 });
    expect(config.runHeartbeatTimeoutMs).toBe(60_000);
    expect(config.retention).toEqual({ logDays: 30, taskDays: 90, eventDays: 30 });
  });

  it('reads a worker list, none, and 0 days to keep forever', () => {
    const config = load({
      OUTPOST_WORKERS: 'retention,run-reaper',
      OUTPOST_RETENTION_LOG_DAYS: '0',
      OUTPOST_WORKER_LOCK_TTL_MS: '3000',
    });
    expect(config.workers).toEqual({ enabled: ['retention', 'run-reaper'], lockTtlMs: 3000 });
    expect(config.retention.logDays).toBe(0);
    expect(load({ OUTPOST_WORKERS: 'none' }).workers.enabled).toEqual([]);
  });

  it('refuses an unknown worker name, naming the variable and the known names', () => {
    expect(() => load({ OUTPOST_WORKERS: 'run-reaper,reapr' })).toThrow(
      /OUTPOST_WORKERS: unknown worker\(s\) reapr; use all, none, or a comma list of .*agent-liveness/,
    );
  });

  it('refuses liveness thresholds a healthy agent could cross between two sightings writes', () => {
    expect(() => load({ OUTPOST_AGENT_SUSPECT_AFTER_MS: '10000' })).toThrow(
      /OUTPOST_AGENT_SUSPECT_AFTER_MS: must exceed the 10000 ms sightings write interval/,
    );
    expect(() =>
      load({ OUTPOST_AGENT_SUSPECT_AFTER_MS: '40000', OUTPOST_AGENT_OFFLINE_AFTER_MS: '40000' }),
    ).toThrow(/OUTPOST_AGENT_OFFLINE_AFTER_MS: must exceed OUTPOST_AGENT_SUSPECT_AFTER_MS/);
  });

  it('refuses a heartbeat timeout shorter than two missed heartbeats', () => {
    expect(() => load({ OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS: '14000' })).toThrow(
      /OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS: must exceed twice/,
    );
    expect(load({ OUTPOST_RUN_HEARTBEAT_TIMEOUT_MS: '14001' }).runHeartbeatTimeoutMs).toBe(14_001);
  });

  it('refuses negative retention days and a lock TTL under a second', () => {
    expect(() => load({ OUTPOST_RETENTION_TASK_DAYS: '-1' })).toThrow(/OUTPOST_RETENTION_TASK_DAYS/);
    expect(() => load({ OUTPOST_WORKER_LOCK_TTL_MS: '500' })).toThrow(/OUTPOST_WORKER_LOCK_TTL_MS/);
  });
});
