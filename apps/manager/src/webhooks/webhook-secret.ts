import { createHmac, randomBytes } from 'node:crypto';

/** A signing secret: 32 random bytes, base64url. Shown once, stored sealed (SecretBox). */
export function generateSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * `X-Outpost-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
 * secret as text. The timestamp is signed too, so a receiver can refuse old replays.
 */
export function signatureHeader(secret: string, unixSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}
