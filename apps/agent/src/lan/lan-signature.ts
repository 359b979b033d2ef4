import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { LAN_HEADERS, LAN_MAX_SKEW_MS } from '@outpost/shared';

/** The zone's LAN secret comes base64-encoded in the handshake; the HMAC key is its bytes. */
export function lanKeyFromSecret(secret: string): Buffer {
  return Buffer.from(secret, 'base64');
}

/** hex HMAC-SHA256 of `<METHOD>\n<path>\n<timestamp>\n<sha256 hex of body>` (lan.contract.ts). */
export function lanSignature(
  key: Buffer,
  method: string,
  path: string,
  timestamp: string,
  body: Buffer | string,
): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', key)
    .update(`${method.toUpperCase()}\n${path}\n${timestamp}\n${bodyHash}`)
    .digest('hex');
}

/** Headers for a signed LAN request from `agentKey`. */
export function signLanRequest(options: {
  key: Buffer;
  agentKey: string;
  method: string;
  path: string;
  body: Buffer | string;
  now: number;
}): Record<string, string> {
  const timestamp = String(options.now);
  return {
    [LAN_HEADERS.agent]: options.agentKey,
    [LAN_HEADERS.timestamp]: timestamp,
    [LAN_HEADERS.signature]: lanSignature(options.key, options.method, options.path, timestamp, options.body),
  };
}

export type LanHeaderCheck =
  { ok: true; agentKey: string; timestamp: string; signature: string } | { ok: false; reason: string };

type HeaderBag = Record<string, string | string[] | undefined>;

function single(headers: HeaderBag, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Cheap checks before the body is read: the three headers are there and the timestamp is inside
 * the window, so a stranger cannot make the agent buffer bodies.
 */
export function checkLanHeaders(
  headers: HeaderBag,
  now: number,
  maxSkewMs = LAN_MAX_SKEW_MS,
): LanHeaderCheck {
  const agentKey = single(headers, LAN_HEADERS.agent);
  const timestamp = single(headers, LAN_HEADERS.timestamp);
  const signature = single(headers, LAN_HEADERS.signature);
  if (!agentKey || !timestamp || !signature) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (Math.abs(now - Number(timestamp)) > maxSkewMs)
    return { ok: false, reason: 'timestamp outside the allowed window' };
  if (!/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: 'malformed signature' };
  return { ok: true, agentKey, timestamp, signature };
}

/** Constant-time comparison of the signature against the one this agent computes. */
export function signatureMatches(
  key: Buffer,
  method: string,
  path: string,
  timestamp: string,
  body: Buffer,
  signature: string,
): boolean {
  const expected = Buffer.from(lanSignature(key, method, path, timestamp, body), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Full verification of a request, for callers that already hold the body. */
export function verifyLanRequest(options: {
  key: Buffer;
  method: string;
  path: string;
  headers: HeaderBag;
  body: Buffer;
  now: number;
  maxSkewMs?: number;
}): { ok: true; agentKey: string } | { ok: false; reason: string } {
  const check = checkLanHeaders(options.headers, options.now, options.maxSkewMs);
  if (!check.ok) return check;
  if (
    !signatureMatches(
      options.key,
      options.method,
      options.path,
      check.timestamp,
      options.body,
      check.signature,
    )
  ) {
    return { ok: false, reason: 'bad signature' };
  }
  return { ok: true, agentKey: check.agentKey };
}
