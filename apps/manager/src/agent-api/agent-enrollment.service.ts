import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AgentSessionResponse, JoinRequest, JoinResponse, Labels } from '@outpost/shared';
import type { EntityManager } from 'typeorm';
import { signAgentSession } from '../common/auth/agent-tokens';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { hashSecret, issueSecret, sameHash } from '../common/crypto/secret-tokens';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { isUniqueViolation } from '../database/db-errors';
import { TransactionRunner } from '../database/transaction-runner';
import type { AgentEntity } from '../agents/agent.entity';
import { ZoneEventsWriter } from '../election/zone-events.writer';
import { ApiKeysService } from '../zones/api-keys.service';
import type { JoinTokenEntity } from '../zones/join-token.entity';
import { AgentApiRepository } from './agent-api.repository';
import { agentKeyFrom } from './agent-protocol.mapper';
import { isUsable } from './join-token.mapper';
import { JoinTokensRepository } from './join-tokens.repository';

type JoinedVia = { kind: 'api-key'; apiKeyId: number } | { kind: 'join-token'; joinTokenId: number };

/** What a join presented, once checked to belong to the zone (a token may still be unusable). */
type Admission = { kind: 'api-key'; apiKeyId: number } | { kind: 'join-token'; token: JoinTokenEntity };

/** Same answer whatever was wrong, so a caller cannot probe which keys or tokens exist. */
const joinRefused = () =>
  new AppError(
    'UNAUTHENTICATED',
    'The API key or join token is not valid for this zone (unknown, revoked, expired or used up); ask an operator for a new one',
  );
const sessionRefused = () => new AppError('UNAUTHENTICATED', 'Unknown agent key or wrong credential');
/** 409 for a repeated join whose join id is spent; the caller has shown a key or token of the zone. */
const joinIdSpent = (agent: AgentEntity, reason: 'session' | 'retired' | 'later-attempt') =>
  new AppError(
    'AGENT_ALREADY_JOINED',
    {
      session: `This join id already made agent ${agent.agentKey}, which has since opened a session: a join can be repeated only until its agent first connects. To join as a new agent, join with a new join id`,
      retired: `This join id already made agent ${agent.agentKey}, which was retired. To join as a new agent, join with a new join id`,
      'later-attempt': `A later attempt of this join already received the credential of agent ${agent.agentKey}; this earlier attempt changes nothing`,
    }[reason],
  );

/** The token was used up (or revoked, or expired) when the join tried to take its use. */
const TOKEN_SPENT = Symbol('token spent');

/** Compared against when the agent key is unknown, so both failures take the same time. */
const NO_HASH = '0'.repeat(64);

/**
 * Join (zone API key or join token -> the agent's own credential, once) and session (credential ->
 * short-lived token). The credential is stored only as a hash.
 *
 * A join that carries a join id is idempotent until the agent it made opens its first session:
 * repeating it (the answer was lost or late, the agent restarted mid-join) answers the same agent
 * with a NEW credential — the first one's secret cannot be given again, only its hash is kept, and
 * it never reached the agent — and takes no second use of the join token. A repeat must present a
 * key or token valid for the zone like any join; the token whose use made the agent counts even
 * when used up, for this join id only. Once the agent has opened a session the join id is spent
 * (409 AGENT_ALREADY_JOINED), so a leaked join id and key cannot mint a credential for a live agent.
 */
@Injectable()
export class AgentEnrollmentService {
  constructor(
    private readonly agents: AgentApiRepository,
    private readonly joinTokens: JoinTokensRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly events: ZoneEventsWriter,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async join(request: JoinRequest): Promise<JoinResponse> {
    const attemptAt = this.clock.now();
    const admission = await this.admit(request);
    const { joinId } = request;
    if (joinId) {
      const earlier = await this.agents.findByJoinId(request.zoneId, joinId);
      if (earlier) return this.repeatJoin(earlier, joinId, admission, attemptAt);
    }
    let created: JoinResponse | typeof TOKEN_SPENT;
    try {
      created = await this.transactions.run(async (manager) => {
        if (admission.kind === 'api-key') {
          return this.createAgent(manager, request, {}, admission, attemptAt);
        }
        const { token } = admission;
        if (!(await this.joinTokens.consume(manager, token.id, this.clock.now()))) return TOKEN_SPENT;
        return this.createAgent(manager, request, token.labels ?? {}, admission, attemptAt);
      });
    } catch (error) {
      // Another attempt of this join made the agent first (the unique join id per zone): this one
      // is its repeat. Nothing of this attempt was stored (its transaction rolled back).
      if (!joinId || !isUniqueViolation(error)) throw error;
      return this.repeatJoin(await this.requireJoined(request.zoneId, joinId), joinId, admission, attemptAt);
    }
    if (created !== TOKEN_SPENT) return created;
    // A one-use token taken by another attempt of this same join is no reason to refuse it.
    const earlier = joinId ? await this.agents.findByJoinId(request.zoneId, joinId) : null;
    if (!earlier || !joinId) throw joinRefused();
    return this.repeatJoin(earlier, joinId, admission, attemptAt);
  }

  /** The key or token presented, if it is one of the zone's; otherwise the one refusal for all. */
  private async admit(request: JoinRequest): Promise<Admission> {
    if (request.apiKey) {
      const key = await this.apiKeys.verify(request.apiKey);
      if (!key || key.zoneId !== request.zoneId) throw joinRefused();
      return { kind: 'api-key', apiKeyId: key.id };
    }
    const token = request.joinToken ? await this.joinTokens.findByHash(hashSecret(request.joinToken)) : null;
    if (!token || token.zoneId !== request.zoneId) throw joinRefused();
    return { kind: 'join-token', token };
  }

  private async requireJoined(zoneId: number, joinId: string): Promise<AgentEntity> {
    const earlier = await this.agents.findByJoinId(zoneId, joinId);
    // A unique violation on the join id means the row exists; it can only be gone if deleted since.
    if (!earlier) throw joinRefused();
    return earlier;
  }

  /** The same agent again, with a fresh credential; takes no use of a join token. */
  private async repeatJoin(
    agent: AgentEntity,
    joinId: string,
    admission: Admission,
    attemptAt: Date,
  ): Promise<JoinResponse> {
    if (admission.kind === 'join-token') {
      const { token } = admission;
      const now = this.clock.now();
      // The token that made this agent may be used up by that very join; it must still be live.
      const valid =
        token.id === agent.joinTokenId
          ? token.revokedAt === null && token.expiresAt.getTime() > now.getTime()
          : isUsable(token, now);
      if (!valid) throw joinRefused();
    }
    if (agent.state === 'retired') throw joinIdSpent(agent, 'retired');
    if (agent.firstSessionAt !== null) throw joinIdSpent(agent, 'session');
    const credential = issueSecret('opa');
    if (!(await this.agents.replaceJoinCredential(agent.id, joinId, credential.hash, attemptAt))) {
      // The guarded update lost to a session, a retirement or a later attempt: say which.
      const current = await this.agents.findById(agent.id);
      if (!current) throw joinRefused(); // deleted with its zone meanwhile
      if (current.firstSessionAt) throw joinIdSpent(agent, 'session');
      if (current.state === 'retired') throw joinIdSpent(agent, 'retired');
      throw joinIdSpent(agent, 'later-attempt');
    }
    return { agentKey: agent.agentKey, zoneId: agent.zoneId, credential: credential.secret };
  }

  async session(agentKey: string, credential: string): Promise<AgentSessionResponse> {
    const agent = await this.agents.findByKey(agentKey);
    const matches = sameHash(agent?.credentialHash ?? NO_HASH, hashSecret(credential));
    if (!agent || !matches) throw sessionRefused();
    if (agent.state === 'retired') {
      throw new AppError(
        'UNAUTHENTICATED',
        `Agent ${agent.agentKey} was retired; install it again to rejoin the zone`,
      );
    }
    // The first session spends the join id (see the class comment); guarded by the credential, so
    // a credential replaced meanwhile by a repeated join opens nothing.
    if (
      agent.firstSessionAt === null &&
      !(await this.agents.markFirstSession(agent.id, agent.credentialHash, this.clock.now()))
    ) {
      const current = await this.agents.findById(agent.id);
      if (!current || !sameHash(current.credentialHash, agent.credentialHash)) throw sessionRefused();
    }
    const issued = signAgentSession(
      { agentId: agent.id, zoneId: agent.zoneId, agentKey: agent.agentKey },
      {
        jwtSecret: this.config.jwtSecret,
        ttlMs: this.config.agentSettings.sessionTtlMs,
        now: this.clock.now(),
      },
    );
    return { token: issued.token, expiresAt: issued.expiresAt.toISOString() };
  }

  private async createAgent(
    manager: EntityManager,
    request: JoinRequest,
    tokenLabels: Labels,
    admission: Admission,
    attemptAt: Date,
  ): Promise<JoinResponse> {
    const now = this.clock.now();
    const credential = issueSecret('opa');
    const { identity } = request;
    const via: JoinedVia =
      admission.kind === 'api-key' ? admission : { kind: 'join-token', joinTokenId: admission.token.id };
    const agent = await this.agents.insert(manager, {
      zoneId: request.zoneId,
      agentKey: agentKeyFrom(randomBytes(15)),
      credentialHash: credential.hash,
      joinId: request.joinId ?? null,
      joinTokenId: via.kind === 'join-token' ? via.joinTokenId : null,
      firstSessionAt: null,
      joinAttemptAt: request.joinId ? attemptAt : null,
      hostname: identity.hostname,
      ips: identity.ips,
      lanPort: identity.lanPort,
      version: identity.version,
      platform: identity.platform,
      // The operator's token labels win over what the host claims for itself.
      labels: { ...identity.labels, ...tokenLabels },
      // Resources arrive with the handshake; 0 cores reads as "not reported yet".
      cpuCores: 0,
      memoryMb: null,
      diskMb: null,
      freeMemoryMb: null,
      freeDiskMb: null,
      runningTasks: 0,
      state: 'new',
      lastSeenAt: null,
      joinedAt: now,
      retiredAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.events.agentJoined(agent, via, now, manager);
    return { agentKey: agent.agentKey, zoneId: agent.zoneId, credential: credential.secret };
  }
}
