import { createHmac } from 'node:crypto';
import type { ZoneMember } from '@outpost/shared';
import type { ZoneMemberRow } from './agent-api.repository';

/** How the zone's agents reach a member on the LAN: its first address and its LAN port. */
export function toZoneMember(agent: ZoneMemberRow): ZoneMember {
  return { agentKey: agent.agentKey, ip: agent.ips?.[0] ?? '', port: agent.lanPort, state: agent.state };
}

/**
 * The zone's key for signing LAN calls. Derived, not stored: every manager sharing the JWT secret
 * hands out the same key, and rotating that secret rotates every zone's LAN key.
 */
export function lanSecretFor(jwtSecret: string, zoneId: number): string {
  return createHmac('sha256', jwtSecret).update(`lan:${zoneId}`).digest('base64');
}

/** A fresh agent key: `agt_` and 20 url-safe random characters (120 bits). */
export function agentKeyFrom(random: Buffer): string {
  if (random.length !== 15) throw new Error('an agent key needs 15 random bytes');
  return `agt_${random.toString('base64url')}`;
}
