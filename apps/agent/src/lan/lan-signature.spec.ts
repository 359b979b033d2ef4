import { randomBytes } from 'node:crypto';
import { LAN_HEADERS } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { lanKeyFromSecret, lanSignature, signLanRequest, verifyLanRequest } from './lan-signature';

const secret = randomBytes(32).toString('base64');
const key = lanKeyFromSecret(secret);
const now = 1_700_000_000_000;
const body = Buffer.from(JSON.stringify({ runId: 5, taskId: 2, epoch: 3 }));

function signed(
  overrides: { key?: Buffer; now?: number; path?: string; method?: string } = {},
): Record<string, string> {
  return signLanRequest({
    key: overrides.key ?? key,
    agentKey: 'agent-a',
    method: overrides.method ?? 'POST',
    path: overrides.path ?? '/lan/v1/dispatch',
    body,
    now: overrides.now ?? now,
  });
}

const verify = (
  headers: Record<string, string>,
  options: { body?: Buffer; now?: number; path?: string; method?: string } = {},
) =>
  verifyLanRequest({
    key,
    method: options.method ?? 'POST',
    path: options.path ?? '/lan/v1/dispatch',
    headers,
    body: options.body ?? body,
    now: options.now ?? now,
  });

describe('LAN signatures', () => {
  it('accepts a request signed with the zone secret', () => {
    expect(verify(signed())).toEqual({ ok: true, agentKey: 'agent-a' });
  });

  it('signs METHOD, path, timestamp and the body hash', () => {
    const expected = lanSignature(key, 'POST', '/lan/v1/dispatch', String(now), body);
    expect(signed()[LAN_HEADERS.signature]).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a request signed with another secret', () => {
    expect(verify(signed({ key: randomBytes(32) }))).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('refuses a tampered body', () => {
    const tampered = Buffer.from(JSON.stringify({ runId: 6, taskId: 2, epoch: 3 }));
    expect(verify(signed(), { body: tampered }).ok).toBe(false);
  });

  it('refuses a signature made for another path or method', () => {
    expect(verify(signed({ path: '/lan/v1/cancel' })).ok).toBe(false);
    expect(verify(signed({ method: 'GET' })).ok).toBe(false);
  });

  it('refuses a timestamp outside the 30 s window, either way', () => {
    expect(verify(signed({ now: now - 30_001 }))).toEqual({
      ok: false,
      reason: 'timestamp outside the allowed window',
    });
    expect(verify(signed({ now: now + 30_001 })).ok).toBe(false);
    expect(verify(signed({ now: now - 29_000 })).ok).toBe(true);
  });

  it.each([LAN_HEADERS.agent, LAN_HEADERS.timestamp, LAN_HEADERS.signature])(
    'refuses a request without %s',
    (header) => {
      const headers = signed();
      delete headers[header];
      expect(verify(headers)).toEqual({ ok: false, reason: 'missing signature headers' });
    },
  );

  it('refuses malformed signatures and timestamps without throwing', () => {
    expect(verify({ ...signed(), [LAN_HEADERS.signature]: 'abc' }).ok).toBe(false);
    expect(verify({ ...signed(), [LAN_HEADERS.signature]: 'zz'.repeat(32) }).ok).toBe(false);
    expect(verify({ ...signed(), [LAN_HEADERS.timestamp]: 'yesterday' }).ok).toBe(false);
  });
});
