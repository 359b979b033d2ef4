import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';

const load = (env: Record<string, string> = {}) =>
  loadConfig({
    OUTPOST_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outpost-messaging-settings-')),
    ...env,
  });

describe('messaging, live stream and metrics settings', () => {
  it('has defaults: outpost.* exchanges, 250 ms publication passes of 200, 15 s heartbeats, public metrics', () => {
    const config = load();
    expect(config.amqpExchanges).toEqual({
      events: 'outpost.events',
      wakeups: 'outpost.wakeups',
      live: 'outpost.live',
    });
    expect(config.eventPublishing).toEqual({ intervalMs: 250, batchSize: 200 });
    expect(config.liveStream).toEqual({ heartbeatMs: 15_000, replayLimit: 1_000, maxBufferBytes: 1_048_576 });
    expect(config.metricsToken).toBeNull();
  });

  it('reads every variable', () => {
    const config = load({
      OUTPOST_AMQP_EXCHANGE: 'ops.events',
      OUTPOST_AMQP_WAKEUP_EXCHANGE: 'ops.wakeups',
      OUTPOST_AMQP_LIVE_EXCHANGE: 'ops.live',
      OUTPOST_EVENTS_PUBLISH_INTERVAL_MS: '50',
      OUTPOST_EVENTS_PUBLISH_BATCH: '10',
      OUTPOST_STREAM_HEARTBEAT_MS: '1000',
      OUTPOST_STREAM_REPLAY_LIMIT: '5',
      OUTPOST_STREAM_MAX_BUFFER_BYTES: '65536',
      OUTPOST_METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(config.amqpExchanges).toEqual({ events: 'ops.events', wakeups: 'ops.wakeups', live: 'ops.live' });
    expect(config.eventPublishing).toEqual({ intervalMs: 50, batchSize: 10 });
    expect(config.liveStream).toEqual({ heartbeatMs: 1000, replayLimit: 5, maxBufferBytes: 65_536 });
    expect(config.metricsToken).toBe('scrape-token-0123456789');
  });

  it('refuses exchange names RabbitMQ reserves or cannot take, naming the variable', () => {
    expect(() => load({ OUTPOST_AMQP_EXCHANGE: 'amq.topic' })).toThrow(/OUTPOST_AMQP_EXCHANGE/);
    expect(() => load({ OUTPOST_AMQP_LIVE_EXCHANGE: 'with space' })).toThrow(/OUTPOST_AMQP_LIVE_EXCHANGE/);
  });

  it('refuses a short metrics token without echoing it', () => {
    try {
      load({ OUTPOST_METRICS_TOKEN: 'short-secret' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/OUTPOST_METRICS_TOKEN/);
      expect((error as Error).message).not.toContain('short-secret');
    }
  });
});
