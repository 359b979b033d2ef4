import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { agentKeyFrom, lanSecretFor, toZoneMember } from './agent-protocol.mapper';

describe('lanSecretFor', () => {
  it('is base64 HMAC-SHA256 of lan:<zoneId> under the JWT secret, the same on every manager', () => {
    const secret = 'j'.repeat(48);
    const expected = createHmac('sha256', secret).update('lan:5').digest('base64');
    expect(lanSecretFor(secret, 5)).toBe(expected);
    expect(Buffer.from(lanSecretFor(secret, 5), 'base64')).toHaveLength(32);
  });

  it('differs between zones and between secrets', () => {
    expect(lanSecretFor('a'.repeat(48), 1)).not.toBe(lanSecretFor('a'.repeat(48), 2));
    expect(lanSecretFor('a'.repeat(48), 1)).not.toBe(lanSecretFor('b'.repeat(48), 1));
  });
});

describe('agentKeyFrom', () => {
  it('is agt_ and 20 url-safe characters', () => {
    expect(agentKeyFrom(Buffer.alloc(15, 0xff))).toMatch(/^agt_[A-Za-z0-9_-]{20}$/);
    expect(() => agentKeyFrom(Buffer.alloc(8))).toThrow();
  });
});

describe('toZoneMember', () => {
  it('addresses an agent by its first IP and LAN port', () => {
    expect(
      toZoneMember({
        id: 1,
        agentKey: 'agt_x',
        ips: ['10.0.0.5', 'fd00::5'],
        lanPort: 18800,
        state: 'online',
      }),
    ).toEqual({
      agentKey: 'agt_x',
      ip: '10.0.0.5',
      port: 18800,
      state: 'online',
    });
    expect(toZoneMember({ id: 1, agentKey: 'agt_x', ips: [], lanPort: 1, state: 'new' }).ip).toBe('');
  });
});
