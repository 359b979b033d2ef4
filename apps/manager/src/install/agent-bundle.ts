import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the agent program is: OUTPOST_AGENT_BUNDLE_FILE, or apps/agent/dist/outpost-agent.js of
 * this checkout (from src/install or dist/install, like the console's dist). null when not built.
 */
export function resolveAgentBundle(configured: string | null): string | null {
  const candidate = configured ?? path.resolve(__dirname, '../../../agent/dist/outpost-agent.js');
  return existsSync(candidate) ? candidate : null;
}
