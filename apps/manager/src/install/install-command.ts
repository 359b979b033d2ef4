import { shellQuote } from './shell-quote';

/** The one-line command an operator runs on a host: `curl -fsSL '<url>' | sudo bash`. */
export function installCommandFor(publicUrl: string, joinToken: string): string {
  const url = `${publicUrl}/install/agent.sh?token=${encodeURIComponent(joinToken)}`;
  return `curl -fsSL ${shellQuote(url)} | sudo bash`;
}
