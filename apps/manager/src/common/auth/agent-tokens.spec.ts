import { sign } from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error';
import { isAgentToken, signAgentSession, verifyAgentSession } from './agent-tokens';
import { signSession } from './session-tokens';

const jwtSecret = 's'.repeat(48);
const now = new Date('2030-01-01T00:00:00.000Z');
const agent = { agentId: 12, zoneId: 3, agentKey: 'agt_abcdefghijklmnopqrst' };

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('agent session tokens', () => {
  it('round-trips the agent principal and expires after the TTL', () => {
    const issued = signAgentSession(agent, { jwtSecret, ttlMs: 900_000, now });
    expect(issued.expiresAt.toISOString()).toBe('2030-01-01T00:15:00.000Z');
    expect(verifyAgentSession(issued.token, { jwtSecret, now })).toEqual(agent);
    expect(isAgentToken(issued.token)).toBe(true);
    const late = new Date(now.getTime() + 900_001);
    expect(refusal(() => verifyAgentSession(issued.token, { jwtSecret, now: late })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses a token signed with another secret, garbage, and a tampered token', () => {
    const issued = signAgentSession(agent, { jwtSecret, ttlMs: 60_000, now });
    expect(refusal(() => verifyAgentSession(issued.token, { jwtSecret: 'x'.repeat(48), now })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(refusal(() => verifyAgentSession('garbage', { jwtSecret, now })).code).toBe('UNAUTHENTICATED');
    const [head, , signature] = issued.token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ typ: 'agent', sub: '1', zid: 99, akey: 'x', exp: 2e9 }),
    ).toString('base64url');
    expect(refusal(() => verifyAgentSession(`${head}.${forged}.${signature}`, { jwtSecret, now })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('never accepts a user session token, even one carrying typ agent under the user key', () => {
    const user = signSession(
      { id: 12, role: 'admin', passwordHash: 'h' },
      { secret: jwtSecret, ttlSeconds: 60, now },
    );
    expect(isAgentToken(user.accessToken)).toBe(false);
    expect(refusal(() => verifyAgentSession(user.accessToken, { jwtSecret, now })).code).toBe(
      'UNAUTHENTICATED',
    );
    const typedWithUserKey = sign({ typ: 'agent', sub: '12', zid: 3, akey: 'k' }, jwtSecret, {
      algorithm: 'HS256',
      issuer: 'outpost',
    });
    expect(refusal(() => verifyAgentSession(typedWithUserKey, { jwtSecret, now })).code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('remembers a token it verified: per secret, until it expires, and as a fresh copy each time', () => {
    const issued = signAgentSession(agent, { jwtSecret, ttlMs: 60_000, now });
    const first = verifyAgentSession(issued.token, { jwtSecret, now });
    first.zoneId = 99;
    expect(verifyAgentSession(issued.token, { jwtSecret, now })).toEqual(agent);
    expect(refusal(() => verifyAgentSession(issued.token, { jwtSecret: 'y'.repeat(48), now })).code).toBe(
      'UNAUTHENTICATED',
    );
    const atExpiry = new Date(now.getTime() + 60_000);
    expect(refusal(() => verifyAgentSession(issued.token, { jwtSecret, now: atExpiry })).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      verifyAgentSession(issued.token, { jwtSecret, now: new Date(atExpiry.getTime() - 1_000) }),
    ).toEqual(agent);
  });

  it('refuses a correctly signed token without the agent claims', () => {
    const issued = signAgentSession({ ...agent, agentId: 0 }, { jwtSecret, ttlMs: 60_000, now });
    expect(refusal(() => verifyAgentSession(issued.token, { jwtSecret, now })).code).toBe('UNAUTHENTICATED');
  });

  it('does not mistake other bearer strings for agent tokens', () => {
    expect(isAgentToken('garbage')).toBe(false);
    expect(isAgentToken(`opt_${'Z'.repeat(43)}`)).toBe(false);
  });
});
