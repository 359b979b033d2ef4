import { describe, expect, it } from 'vitest';
import type { AgentEntity } from './agent.entity';
import { roleOf, toAgent } from './agent.mapper';

const now = new Date('2025-06-01T12:00:00.000Z');
const later = new Date(now.getTime() + 5_000);
const earlier = new Date(now.getTime() - 1);

function agent(overrides: Partial<AgentEntity> = {}): AgentEntity {
  return {
    id: 7,
    zoneId: 3,
    agentKey: 'agent-7',
    credentialHash: 'f'.repeat(64),
    joinId: null,
    joinTokenId: null,
    firstSessionAt: null,
    joinAttemptAt: null,
    hostname: 'node-7',
    ips: ['10.0.0.7', '192.168.1.7'],
    lanPort: 18800,
    version: '1.0.0',
    platform: 'linux',
    labels: { rack: 'a' },
    cpuCores: 4,
    memoryMb: 8192,
    diskMb: null,
    freeMemoryMb: 4096,
    freeDiskMb: null,
    runningTasks: 2,
    state: 'online',
    lastSeenAt: null,
    joinedAt: now,
    retiredAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

describe('roleOf', () => {
  it('is primary while the agent holds an unexpired lease of its zone', () => {
    expect(roleOf(agent(), { zoneId: 3, agentId: 7, expiresAt: later }, now)).toBe('primary');
  });

  it('is secondary once the lease has expired, even at the exact expiry instant', () => {
    expect(roleOf(agent(), { zoneId: 3, agentId: 7, expiresAt: earlier }, now)).toBe('secondary');
    expect(roleOf(agent(), { zoneId: 3, agentId: 7, expiresAt: now }, now)).toBe('secondary');
  });

  it('is secondary when another agent, nobody, or another zone holds the lease', () => {
    expect(roleOf(agent(), { zoneId: 3, agentId: 8, expiresAt: later }, now)).toBe('secondary');
    expect(roleOf(agent(), { zoneId: 3, agentId: null, expiresAt: later }, now)).toBe('secondary');
    expect(roleOf(agent(), { zoneId: 4, agentId: 7, expiresAt: later }, now)).toBe('secondary');
    expect(roleOf(agent(), null, now)).toBe('secondary');
  });
});

describe('toAgent', () => {
  it('reports the first LAN address as ip, the LAN port as port and groups resources', () => {
    expect(toAgent(agent(), 'primary')).toMatchObject({
      ip: '10.0.0.7',
      ips: ['10.0.0.7', '192.168.1.7'],
      port: 18800,
      role: 'primary',
      resources: { cpuCores: 4, memoryMb: 8192, diskMb: null, freeMemoryMb: 4096, freeDiskMb: null },
      joinedAt: '2025-06-01T12:00:00.000Z',
      lastSeenAt: null,
    });
  });

  it('answers an empty ip for an agent that reported no address', () => {
    expect(toAgent(agent({ ips: [] }), 'secondary').ip).toBe('');
  });

  it('never exposes the credential hash', () => {
    expect(JSON.stringify(toAgent(agent(), 'secondary'))).not.toContain('f'.repeat(64));
  });
});
