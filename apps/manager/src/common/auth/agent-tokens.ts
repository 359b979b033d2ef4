import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { decode, sign, verify } from 'jsonwebtoken';
import { AppError } from '../errors/app-error';
import type { AgentPrincipal } from './agent-principal';

/** Claims of an agent's short-lived session token. */
export interface AgentClaims {
  typ: 'agent';
  /** The agent's numeric id, as a string (JWT convention). */
  sub: string;
  zid: number;
  akey: string;
}

const ISSUER = 'outpost';

/**
 * Agent tokens are signed with a key derived from the JWT secret, not the secret itself: a user
 * token can then never pass as an agent token, nor an agent token as a user token, even if a
 * `typ` check were forgotten somewhere. Derived, so every manager sharing the secret agrees.
 * Kept as a KeyObject: given raw bytes, jsonwebtoken first tries them as a public key (a throw and
 * a catch on every call), which once cost a fifth of the agent call path's CPU.
 */
const derivedKeys = new Map<string, KeyObject>();
function agentKeyFor(jwtSecret: string): KeyObject {
  let key = derivedKeys.get(jwtSecret);
  if (!key) {
    key = createSecretKey(createHmac('sha256', jwtSecret).update('outpost:agent-session:v1').digest());
    derivedKeys.set(jwtSecret, key);
  }
  return key;
}

export interface IssuedAgentSession {
  token: string;
  expiresAt: Date;
}

export function signAgentSession(
  agent: AgentPrincipal,
  options: { jwtSecret: string; ttlMs: number; now: Date },
): IssuedAgentSession {
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  const expiresAtSeconds = Math.floor((options.now.getTime() + options.ttlMs) / 1000);
  const claims: AgentClaims & { iat: number; exp: number } = {
    typ: 'agent',
    sub: String(agent.agentId),
    zid: agent.zoneId,
    akey: agent.agentKey,
    iat: issuedAt,
    exp: expiresAtSeconds,
  };
  const token = sign(claims, agentKeyFor(options.jwtSecret), { algorithm: 'HS256', issuer: ISSUER });
  return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
}

const refused = () =>
  new AppError(
    'UNAUTHENTICATED',
    'The agent session token is missing, invalid or expired; open a new session',
  );

interface VerifiedToken {
  agent: AgentPrincipal;
  /** The token's `exp`, in seconds. */
  exp: number;
}

/** Tokens this process verified, per JWT secret, oldest first; at most VERIFIED_LIMIT per secret. */
const verifiedTokens = new Map<string, Map<string, VerifiedToken>>();
const VERIFIED_LIMIT = 10_000;

function verifiedFor(jwtSecret: string): Map<string, VerifiedToken> {
  let verified = verifiedTokens.get(jwtSecret);
  if (!verified) {
    verified = new Map();
    verifiedTokens.set(jwtSecret, verified);
  }
  return verified;
}

/**
 * Verifies signature, expiry, issuer and type of an agent token: CPU only, no database read (this
 * runs on every agent call). A retired or deleted agent keeps a valid token until it expires
 * (`sessionTtlMs`); the routes that matter re-check the agent where they read it anyway.
 *
 * An agent sends the same token on every call until it opens a new session, and verifying it
 * (base64, two JSON parses, an HMAC) was an eighth of the CPU of a poll on the agent lane. So a
 * token that passed is remembered with its expiry: the same string verifies the same way, and only
 * the expiry is checked again. Refused tokens are not remembered.
 */
export function verifyAgentSession(token: string, options: { jwtSecret: string; now: Date }): AgentPrincipal {
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  const verified = verifiedFor(options.jwtSecret);
  const known = verified.get(token);
  if (known) {
    if (nowSeconds < known.exp) return { ...known.agent };
    verified.delete(token);
    throw refused();
  }
  let claims: unknown;
  try {
    claims = verify(token, agentKeyFor(options.jwtSecret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      clockTimestamp: nowSeconds,
    });
  } catch {
    throw refused();
  }
  const { typ, sub, zid, akey, exp } = (claims ?? {}) as Partial<AgentClaims & { exp: number }>;
  const agentId = Number(sub);
  if (
    typ !== 'agent' ||
    !Number.isSafeInteger(agentId) ||
    agentId <= 0 ||
    typeof zid !== 'number' ||
    typeof akey !== 'string'
  ) {
    throw refused();
  }
  const agent = { agentId, zoneId: zid, agentKey: akey };
  // Tokens without an expiry are never made here; they are verified every time rather than kept.
  if (typeof exp === 'number') {
    if (verified.size >= VERIFIED_LIMIT) verified.delete(verified.keys().next().value as string);
    verified.set(token, { agent, exp });
  }
  return { ...agent };
}

/** True when the bearer looks like an agent token (unverified): user routes refuse those outright. */
export function isAgentToken(token: string): boolean {
  const payload = decode(token, { json: true });
  return payload?.['typ'] === 'agent';
}
