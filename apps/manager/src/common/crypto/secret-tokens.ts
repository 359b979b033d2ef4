import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Prefixes make a leaked secret recognisable (and greppable by secret scanners): zone API key,
 * join token, personal API token, agent credential.
 */
export type SecretKind = 'opk' | 'opj' | 'opt' | 'opa';

export interface IssuedSecret {
  /** Given to the caller once; never stored. */
  secret: string;
  /** Stored and shown, so people can tell their keys apart. */
  prefix: string;
  /** Stored; secrets are 256-bit random, so a plain SHA-256 is enough (unlike passwords). */
  hash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function issueSecret(kind: SecretKind): IssuedSecret {
  const secret = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, 12), hash: hashSecret(secret) };
}

export function secretKindOf(secret: string): SecretKind | null {
  const match = /^(opk|opj|opt|opa)_[A-Za-z0-9_-]{43}$/.exec(secret);
  return match ? (match[1] as SecretKind) : null;
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
