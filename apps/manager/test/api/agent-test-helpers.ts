import { AGENT_PROTOCOL_VERSION, PROTOCOL_HEADER } from '@outpost/shared';
import { expect } from 'vitest';
import type { CallResult, TestApp } from '../testing/test-app';

/** Helpers for the agent protocol tests: zones, keys, tokens and enrolled agents through the real API. */

export const protocolHeaders = { [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION) };

export const resources = {
  cpuCores: 4,
  memoryMb: 8192,
  diskMb: 100_000,
  freeMemoryMb: 2048,
  freeDiskMb: 50_000,
};

let hostCounter = 0;
export function identity(hostname?: string, overrides: Record<string, unknown> = {}) {
  hostCounter += 1;
  return {
    hostname: hostname ?? `host-${hostCounter}`,
    ips: [`10.9.0.${hostCounter % 250}`, `fd00::${hostCounter}`],
    lanPort: 18800 + (hostCounter % 1000),
    version: '0.1.0',
    platform: 'linux',
    labels: { os: 'debian' },
    ...overrides,
  };
}

/** A call to /agent/v1/* with the protocol header (and the agent token, if given). */
export function agentCall<T = any>(
  t: TestApp,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  return t.call<T>(method, path, { ...options, headers: { ...protocolHeaders, ...options.headers } });
}

export async function createZone(t: TestApp, operator: string, name: string): Promise<number> {
  const created = await t.call('POST', '/api/v1/zones', { token: operator, body: { name } });
  expect(created.status).toBe(201);
  return created.body.id;
}

export async function issueApiKey(
  t: TestApp,
  operator: string,
  zoneId: number,
): Promise<{ id: number; secret: string }> {
  const issued = await t.call('POST', `/api/v1/zones/${zoneId}/api-keys`, { token: operator, body: {} });
  expect(issued.status).toBe(201);
  return { id: issued.body.apiKey.id, secret: issued.body.secret };
}

export async function issueJoinToken(
  t: TestApp,
  operator: string,
  zoneId: number,
  body: Record<string, unknown> = {},
): Promise<{ id: number; secret: string; installCommand: string }> {
  const issued = await t.call('POST', `/api/v1/zones/${zoneId}/join-tokens`, { token: operator, body });
  expect(issued.status).toBe(201);
  return {
    id: issued.body.joinToken.id,
    secret: issued.body.secret,
    installCommand: issued.body.installCommand,
  };
}

export interface EnrolledAgent {
  agentKey: string;
  credential: string;
  token: string;
  zoneId: number;
}

/** Join with the zone's API key and open a session: what an agent does on first start. */
export async function enrollAgent(
  t: TestApp,
  zoneId: number,
  apiKey: string,
  hostname?: string,
): Promise<EnrolledAgent> {
  const joined = await agentCall(t, 'POST', '/agent/v1/join', {
    body: { zoneId, apiKey, identity: identity(hostname) },
  });
  expect(joined.status).toBe(201);
  const session = await agentCall(t, 'POST', '/agent/v1/session', {
    body: { agentKey: joined.body.agentKey, credential: joined.body.credential },
  });
  expect(session.status).toBe(200);
  return {
    agentKey: joined.body.agentKey,
    credential: joined.body.credential,
    token: session.body.token,
    zoneId,
  };
}

export function handshake(t: TestApp, agent: EnrolledAgent, hostname?: string) {
  return agentCall(t, 'POST', '/agent/v1/handshake', {
    token: agent.token,
    body: { identity: identity(hostname), resources, runningRunIds: [] },
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
