import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultAgentSettings } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';

const load = (env: Record<string, string> = {}) =>
  loadConfig({ OUTPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outpost-agent-settings-')), ...env });

describe('agent settings in the configuration', () => {
  it('defaults to the shared defaults', () => {
    expect(load().agentSettings).toEqual(defaultAgentSettings);
    expect(load().agentBundleFile).toBeNull();
  });

  it('reads every OUTPOST_AGENT_* variable', () => {
    const config = load({
      OUTPOST_AGENT_POLL_WAIT_MS: '1000',
      OUTPOST_AGENT_LEASE_TTL_MS: '4000',
      OUTPOST_AGENT_PROBE_INTERVAL_MS: '500',
      OUTPOST_AGENT_PROBE_FAILURES: '3',
      OUTPOST_AGENT_HEARTBEAT_INTERVAL_MS: '1500',
      OUTPOST_AGENT_SESSION_TTL_MS: '60000',
      OUTPOST_AGENT_BUNDLE_FILE: '/srv/outpost-agent.js',
    });
    expect(config.agentSettings).toEqual({
      pollWaitMs: 1000,
      leaseTtlMs: 4000,
      probeIntervalMs: 500,
      probeFailuresBeforeElection: 3,
      heartbeatIntervalMs: 1500,
      sessionTtlMs: 60_000,
    });
    expect(config.agentBundleFile).toBe('/srv/outpost-agent.js');
  });

  it('refuses a lease that does not outlive the probes that detect a dead primary, naming the variables', () => {
    expect(() =>
      load({ OUTPOST_AGENT_LEASE_TTL_MS: '2000', OUTPOST_AGENT_PROBE_INTERVAL_MS: '1000' }),
    ).toThrow(
      /OUTPOST_AGENT_LEASE_TTL_MS: must exceed OUTPOST_AGENT_PROBE_INTERVAL_MS × OUTPOST_AGENT_PROBE_FAILURES \(1000 × 2 = 2000 ms\)/,
    );
  });

  it('refuses a poll held for half the lease or more', () => {
    expect(() => load({ OUTPOST_AGENT_POLL_WAIT_MS: '3000' })).toThrow(
      /OUTPOST_AGENT_POLL_WAIT_MS: must be less than half of OUTPOST_AGENT_LEASE_TTL_MS/,
    );
  });

  it('refuses values below the protocol minimums or that are not numbers', () => {
    expect(() => load({ OUTPOST_AGENT_LEASE_TTL_MS: '999' })).toThrow(/OUTPOST_AGENT_LEASE_TTL_MS/);
    expect(() => load({ OUTPOST_AGENT_SESSION_TTL_MS: '5000' })).toThrow(/OUTPOST_AGENT_SESSION_TTL_MS/);
    expect(() => load({ OUTPOST_AGENT_PROBE_FAILURES: 'two' })).toThrow(/OUTPOST_AGENT_PROBE_FAILURES/);
  });
});
