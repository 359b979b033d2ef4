import { defaultAgentSettings, type AgentSettings, type ZoneMember } from '@outpost/shared';

/** `handshaking` covers the moments between roles: after a demotion, before the first handshake. */
export type AgentRole = 'joining' | 'handshaking' | 'primary' | 'secondary' | 'stopped';

/**
 * What this agent believes about its zone, updated from every manager reply. Settings start at the
 * contract's defaults and are replaced by the manager's on the first reply; nothing else sets them.
 */
export class ZoneState {
  role: AgentRole = 'joining';
  epoch = 0;
  primary: ZoneMember | null = null;
  members: ZoneMember[] = [];
  settings: AgentSettings = { ...defaultAgentSettings };
  lanKey: Buffer | null = null;
  private readonly listeners: ((role: AgentRole) => void)[] = [];

  setRole(role: AgentRole): void {
    if (this.role === role) return;
    this.role = role;
    for (const listener of this.listeners) listener(role);
  }

  onRoleChange(listener: (role: AgentRole) => void): void {
    this.listeners.push(listener);
  }

  member(agentKey: string): ZoneMember | undefined {
    return this.members.find((member) => member.agentKey === agentKey);
  }
}
