import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentEntity } from '../../src/agents/agent.entity';
import { AgentEnrollmentService } from '../../src/agent-api/agent-enrollment.service';
import { AgentPresenceService } from '../../src/agent-api/agent-presence.service';
import { startTestApp, type TestApp } from '../testing/test-app';
import { testDatabaseKinds } from '../testing/test-database';
import { agentCall, createZone, enrollAgent, handshake, identity, issueApiKey } from './agent-test-helpers';

/** Holds every call of `method` until released, while the calls still run the real service. */
function holdCalls<T extends object>(service: T, method: keyof T & string) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const original = (service[method] as (...args: unknown[]) => Promise<unknown>).bind(service);
  let entered = 0;
  const spy = vi.spyOn(service, method as never).mockImplementation((async (...args: unknown[]) => {
    entered += 1;
    await gate;
    return original(...args);
  }) as never);
  return { release, entered: () => entered, restore: () => spy.mockRestore() };
}

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe.each(testDatabaseKinds())('agent admission limit on %s', (kind) => {
  let t: TestApp;
  let zoneId: number;
  let apiKey: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { OUTPOST_AGENT_ADMISSION_LIMIT: '2' });
    const operator = await t.tokenFor('operator');
    zoneId = await createZone(t, operator, 'admission');
    apiKey = (await issueApiKey(t, operator, zoneId)).secret;
  });
  afterAll(() => t?.close());

  const join = (hostname: string) =>
    agentCall(t, 'POST', '/agent/v1/join', { body: { zoneId, apiKey, identity: identity(hostname) } });

  it('answers joins and handshakes beyond the limit at once with 503 and Retry-After, storing nothing for them', async () => {
    const agent = await enrollAgent(t, zoneId, apiKey, 'already-joined');
    const before = await t.dataSource.manager.count(AgentEntity);
    const held = holdCalls(t.app.get(AgentEnrollmentService), 'join');
    try {
      const first = join('storm-1');
      const second = join('storm-2');
      await until(() => held.entered() === 2);
      const refused = await join('storm-3');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(refused.body).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: expect.stringContaining('busy admitting agents'),
      });
      // Handshakes share the limit: a reconnecting fleet joins and handshakes at once.
      const busyHandshake = await handshake(t, agent);
      expect(busyHandshake.status).toBe(503);
      held.release();
      expect((await first).status).toBe(201);
      expect((await second).status).toBe(201);
    } finally {
      held.release();
      held.restore();
    }
    expect(await t.dataSource.manager.count(AgentEntity)).toBe(before + 2);
    // Once the storm passed, everyone gets in.
    expect((await join('storm-3')).status).toBe(201);
    expect((await handshake(t, agent)).status).toBe(200);
  });

  it('frees a place when a handshake fails', async () => {
    const agent = await enrollAgent(t, zoneId, apiKey, 'failing');
    const presence = t.app.get(AgentPresenceService);
    const failing = vi.spyOn(presence, 'handshake').mockRejectedValue(new Error('database away'));
    try {
      for (let i = 0; i < 3; i += 1) expect((await handshake(t, agent)).status).toBe(500);
    } finally {
      failing.mockRestore();
    }
    expect((await handshake(t, agent)).status).toBe(200);
  });
});
