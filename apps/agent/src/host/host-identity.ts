import { hostname, networkInterfaces, platform } from 'node:os';
import type { AgentIdentity, Labels } from '@outpost/shared';
import { AGENT_VERSION } from '../version';

/** Non-internal addresses of this host, IPv4 first (what other agents of a LAN can usually reach). */
export function hostAddresses(): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      if (address.internal) continue;
      if (address.family === 'IPv4') v4.push(address.address);
      else if (!address.address.startsWith('fe80:')) v6.push(address.address);
    }
  }
  return [...v4, ...v6];
}

/** The address advertised to the zone when `--lan-address` is not given. */
export function defaultLanAddress(): string {
  return hostAddresses().find((address) => !address.includes(':')) ?? '127.0.0.1';
}

/** Identity sent at join and handshake; the advertised LAN address comes first in `ips`. */
export function buildIdentity(options: {
  lanAddress: string;
  lanPort: number;
  labels: Labels;
}): AgentIdentity {
  const ips = [options.lanAddress, ...hostAddresses().filter((ip) => ip !== options.lanAddress)].slice(0, 16);
  return {
    hostname: hostname().slice(0, 255) || 'unknown',
    ips,
    lanPort: options.lanPort,
    version: AGENT_VERSION.slice(0, 45),
    platform: platform().slice(0, 45),
    labels: options.labels,
  };
}
