import { createHash } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { UserRole } from '@outpost/shared';
import type { SessionClaims } from './principal';

/**
 * A short fingerprint of the stored password hash, carried in the session token: changing the
 * password changes it, which invalidates every token issued before.
 */
export function passwordGeneration(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);
}

export interface IssuedSession {
  accessToken: string;
  expiresAt: Date;
}

/** HS256 access token for the console and scripts; verified by the passport-jwt strategy. */
export function signSession(
  user: { id: number; role: UserRole; passwordHash: string },
  options: { secret: string; ttlSeconds: number; now: Date },
): IssuedSession {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  const claims: SessionClaims & { iat: number; exp: number } = {
    sub: String(user.id),
    role: user.role,
    pwd: passwordGeneration(user.passwordHash),
    iat: issuedAt,
    exp: issuedAt + options.ttlSeconds,
  };
  const accessToken = sign(claims, options.secret, { algorithm: 'HS256', issuer: 'outpost' });
  return { accessToken, expiresAt: new Date((issuedAt + options.ttlSeconds) * 1000) };
}
