import { AGENT_PROTOCOL_VERSION } from '@outpost/shared';
import { describe, expect, it } from 'vitest';
import { protocolMismatch } from './protocol-version.guard';

describe('protocolMismatch', () => {
  it('accepts exactly this manager’s version', () => {
    expect(protocolMismatch(String(AGENT_PROTOCOL_VERSION))).toBeNull();
    expect(protocolMismatch([String(AGENT_PROTOCOL_VERSION)])).toBeNull();
  });

  it('tells a newer agent to upgrade the manager and an older one to upgrade the agent', () => {
    const newer = protocolMismatch(String(AGENT_PROTOCOL_VERSION + 1));
    expect(newer?.code).toBe('PROTOCOL_VERSION_MISMATCH');
    expect(newer?.message).toBe(
      `agent speaks protocol ${AGENT_PROTOCOL_VERSION + 1} but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade the manager`,
    );
    expect(protocolMismatch('0')?.message).toBe(
      `agent speaks protocol 0 but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade the agent`,
    );
  });

  it('refuses a missing, empty or non-numeric header, naming it', () => {
    for (const header of [undefined, '', '  ', 'one', '1.0', '-1']) {
      const refused = protocolMismatch(header);
      expect(refused?.code, String(header)).toBe('PROTOCOL_VERSION_MISMATCH');
      expect(refused?.message).toMatch(/x-outpost-protocol/);
    }
  });
});
