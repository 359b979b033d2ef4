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
import { TransactionRunner } from '../database/transaction-runner';
import { ZoneEventsWriter } from '../election/zone-events.writer';
import { ApiKeysService } from '../zones/api-keys.service';
import { AgentApiRepository } from './agent-api.repository';
import { agentKeyFrom } from './agent-protocol.mapper';
import { JoinTokensRepository } from './join-tokens.repository';

type JoinedVia = { kind: 'api-key'; apiKeyId: number } | { kind: 'join-token'; joinTokenId: number };

/** Same answer whatever was wrong, so a caller cannot probe which keys or tokens exist. */
const joinRefused = () =>
  new AppError(
    'UNAUTHENTICATED',
    'The API key or join token is not valid for this zone (unknown, revoked, expired or used up); ask an operator for a new one',
  );
const sessionRefused = () => new AppError('UNAUTHENTICATED', 'Unknown agent key or wrong credential');

/** Compared against when the agent key is unknown, so both failures take the same time. */
const NO_HASH = '0'.repeat(64);

/**
 * Join (zone API key or join token -> the agent's own credential, once) and session (credential ->
 * short-lived token). The credential is stored only as a hash.
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
    if (request.apiKey) {
      const key = await this.apiKeys.verify(request.apiKey);
      if (!key || key.zoneId !== request.zoneId) throw joinRefused();
      return this.transactions.run((manager) =>
        this.createAgent(manager, request, {}, { kind: 'api-key', apiKeyId: key.id }),
      );
    }
    const token = request.joinToken ? await this.joinTokens.findByHash(hashSecret(request.joinToken)) : null;
    if (!token || token.zoneId !== request.zoneId) throw joinRefused();
    return this.transactions.run(async (manager) => {
      if (!(await this.joinTokens.consume(manager, token.id, this.clock.now()))) throw joinRefused();
      return this.createAgent(manager, request, token.labels ?? {}, {
        kind: 'join-token',
        joinTokenId: token.id,
      });
    });
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
    via: JoinedVia,
  ): Promise<JoinResponse> {
    const now = this.clock.now();
    const credential = issueSecret('opa');
    const { identity } = request;
    const agent = await this.agents.insert(manager, {
      zoneId: request.zoneId,
      agentKey: agentKeyFrom(randomBytes(15)),
      credentialHash: credential.hash,
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
