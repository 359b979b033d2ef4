import type { AgentIdentity } from '@outpost/shared';
import { ConfigError, describeSetting } from './config/agent-config';
import { ManagerHttpError } from './client/errors';
import { ManagerClient } from './client/manager-client';
import { classifyError, withRetry, type BackoffPolicy } from './client/retry';
import { errorMessage, type Logger } from './log/logger';
import { readIdentity, writeIdentity, type StoredIdentity } from './state/identity-store';
import { beginJoin, endJoin, PENDING_JOIN_FILE } from './state/pending-join';

/** The manager refused the join (bad key or token, unknown zone): an operator must fix a setting. */
export class JoinRefusedError extends Error {
  override readonly name = 'JoinRefusedError';
}

export interface EnsureIdentityOptions extends JoinSettings {
  identity: () => AgentIdentity;
  logger: Logger;
  backoff: BackoffPolicy;
  random: () => number;
  signal?: AbortSignal;
  /** Join attempts while the manager is unreachable; unbounded for the daemon. */
  maxAttempts?: number;
}

export interface JoinSettings {
  stateDir: string;
  managerUrl: string | null;
  zoneId: number | null;
  apiKey: string | null;
  joinToken: string | null;
}

/**
 * Checks, before anything is created or started, that the settings fit the state dir: with an
 * identity the zone (if given) must match; without one, manager, zone and a key or token are needed.
 */
export function checkJoinSettings(existing: StoredIdentity | null, settings: JoinSettings): void {
  if (existing) {
    if (settings.zoneId !== null && settings.zoneId !== existing.zoneId) {
      throw new ConfigError(
        `${describeSetting('zone')}: the state dir ${settings.stateDir} belongs to zone ${existing.zoneId}; use another --state-dir to join zone ${settings.zoneId}`,
      );
    }
    return;
  }
  const why = `(the state dir ${settings.stateDir} holds no identity yet)`;
  if (!settings.managerUrl) throw new ConfigError(`${describeSetting('manager')} is required to join ${why}`);
  if (settings.zoneId === null)
    throw new ConfigError(`${describeSetting('zone')} is required to join ${why}`);
  if (!settings.apiKey && !settings.joinToken) {
    throw new ConfigError(
      `${describeSetting('apiKey')} or ${describeSetting('joinToken')} is required to join ${why}`,
    );
  }
}

/**
 * The agent's identity: read from the state dir, or obtained once with `join` and written there.
 * An agent that has an identity never joins again, so the API key or join token is then not needed.
 *
 * Every attempt of one join carries the same join id, written to the state dir before the first
 * attempt (`join.json`): an attempt whose answer was lost — or a restart in the middle of the join
 * — repeats that join, and the manager answers the agent it already made (with a new credential)
 * instead of making another one and spending the join token again.
 */
export async function ensureIdentity(
  options: EnsureIdentityOptions,
): Promise<{ identity: StoredIdentity; joined: boolean }> {
  const existing = await readIdentity(options.stateDir);
  checkJoinSettings(existing, options);
  if (existing) {
    await endJoin(options.stateDir); // left over by a crash right after the identity was written
    if (options.managerUrl && options.managerUrl !== existing.managerUrl) {
      options.logger.info('manager URL changed; keeping the identity and using the new URL', {
        from: existing.managerUrl,
        to: options.managerUrl,
      });
      const updated = { ...existing, managerUrl: options.managerUrl };
      await writeIdentity(options.stateDir, updated);
      return { identity: updated, joined: false };
    }
    return { identity: existing, joined: false };
  }
  if (!options.managerUrl || options.zoneId === null) throw new ConfigError('join settings missing');
  const { managerUrl, zoneId } = options;
  const client = new ManagerClient({ managerUrl, logger: options.logger });
  const { pending, resumed } = await beginJoin(options.stateDir, zoneId);
  const body = {
    zoneId,
    ...(options.apiKey ? { apiKey: options.apiKey } : { joinToken: options.joinToken ?? '' }),
    identity: options.identity(),
    joinId: pending.joinId,
  };
  options.logger.info(resumed ? 'joining the zone (repeating the join begun earlier)' : 'joining the zone', {
    managerUrl,
    zoneId,
    with: options.apiKey ? 'api key' : 'join token',
    ...(resumed ? { begunAt: pending.startedAt } : {}),
  });
  let reply;
  try {
    reply = await withRetry(() => client.join(body, options.signal), {
      policy: options.backoff,
      random: options.random,
      signal: options.signal,
      maxAttempts: options.maxAttempts,
      onRetry: (error, attempt, delayMs) =>
        options.logger.warn('join failed; retrying', {
          error: errorMessage(error),
          attempt: attempt + 1,
          retryInMs: delayMs,
        }),
    });
  } catch (error) {
    if (error instanceof ManagerHttpError && error.code === 'AGENT_ALREADY_JOINED') {
      // The agent this join made is in use by someone else (e.g. a copy of this state dir): this
      // join can never finish. Forget it, so the next start joins as a new agent.
      await endJoin(options.stateDir);
      throw new JoinRefusedError(
        `the manager refused to repeat the join begun in ${options.stateDir}: ${error.problemMessage} (${PENDING_JOIN_FILE} was removed: the next start joins as a new agent)`,
      );
    }
    if (error instanceof ManagerHttpError && classifyError(error) === 'permanent') {
      throw new JoinRefusedError(
        `the manager refused to join zone ${zoneId}: ${error.code ?? `HTTP ${error.status}`}: ${error.problemMessage} (check ${describeSetting('zone')}, ${describeSetting('apiKey')} / ${describeSetting('joinToken')})`,
      );
    }
    throw error;
  }
  if (reply.zoneId !== zoneId)
    throw new JoinRefusedError(`the manager joined this agent to zone ${reply.zoneId}, not ${zoneId}`);
  const identity: StoredIdentity = {
    agentKey: reply.agentKey,
    zoneId: reply.zoneId,
    managerUrl,
    credential: reply.credential,
    joinedAt: new Date().toISOString(),
  };
  await writeIdentity(options.stateDir, identity);
  // After the identity is durable: a crash in between leaves a stale join.json, never no record.
  await endJoin(options.stateDir);
  options.logger.info('joined the zone', { agentKey: identity.agentKey, zoneId });
  return { identity, joined: true };
}
