import type { AgentResources, HandshakeRequest, HandshakeResponse, ZoneMember } from '@outpost/shared';
import { isStaleEpoch } from '../client/errors';
import type { ManagerClient } from '../client/manager-client';
import { backoffDelay, classifyError, sleep, type BackoffPolicy } from '../client/retry';
import type { LanClient } from '../lan/lan-client';
import { lanKeyFromSecret } from '../lan/lan-signature';
import { errorMessage, type Logger } from '../log/logger';
import type { RunIntake } from '../work/run-intake';
import type { RunnerPort } from '../work/runner-port';
import { MemberProber } from './member-prober';
import { WorkDistributor } from './work-distributor';
import type { ZoneState } from './zone-state';

type Stage = 'handshake' | 'primary' | 'secondary';

export interface RoleManagerDeps {
  agentKey: string;
  client: ManagerClient;
  zone: ZoneState;
  lan: LanClient;
  intake: RunIntake;
  runner: RunnerPort;
  logger: Logger;
  backoff: BackoffPolicy;
  random: () => number;
  now: () => number;
  handshakeRequest: () => Promise<HandshakeRequest>;
  resources: () => Promise<AgentResources>;
  /** After every successful handshake (the LAN secret is known from then on). */
  onHandshake: (reply: HandshakeResponse) => void;
  /** The manager speaks another protocol version: the agent must stop. */
  onFatal: (error: unknown) => void;
}

/**
 * The agent's lifecycle after join: handshake, then act as primary or secondary until something
 * ends that role, then handshake again (ARCHITECTURE §4).
 * - primary: long-poll, renew the lease through it, distribute work, probe members. A 409
 *   STALE_EPOCH, a reply naming another holder, or a lease left unrenewed for its whole TTL ends the
 *   role at once: no further poll is sent before a new handshake.
 * - secondary: probe the primary; after `probeFailuresBeforeElection` misses, ask for the lease
 *   every probe interval until it is granted or the manager names a live primary to follow.
 */
export class RoleManager {
  private stopped = false;
  private session: AbortController | null = null;
  private forced: Stage | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private distributor: WorkDistributor | null = null;

  constructor(private readonly deps: RoleManagerDeps) {}

  start(): void {
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.session?.abort();
    await this.loopDone;
    await this.distributor?.settle();
  }

  /** A reply other than the poll says another agent holds the lease: stop acting as primary now. */
  demote(reason: string): void {
    if (this.stopped || this.deps.zone.role !== 'primary') return;
    this.deps.logger.warn('stepping down as primary', { reason });
    this.restart('handshake');
  }

  /** Our picture of the zone is stale (e.g. a new primary we cannot address): handshake again. */
  rehandshake(reason: string): void {
    if (this.stopped || this.deps.zone.role === 'handshaking' || this.forced) return;
    this.deps.logger.info('handshaking again', { reason });
    this.restart('handshake');
  }

  private restart(stage: Stage): void {
    this.forced = stage;
    this.deps.zone.setRole('handshaking');
    this.session?.abort();
  }

  private async loop(): Promise<void> {
    let stage: Stage = 'handshake';
    let failures = 0;
    while (!this.stopped) {
      const session = new AbortController();
      this.session = session;
      try {
        if (stage === 'handshake') {
          stage = await this.handshake(session.signal);
          failures = 0;
        } else if (stage === 'primary') {
          stage = await this.runPrimary(session.signal);
        } else {
          stage = await this.runSecondary(session.signal);
        }
      } catch (error) {
        if (this.stopped) break;
        const kind = classifyError(error);
        if (kind === 'fatal') {
          this.deps.logger.error('the manager refuses this agent; stopping', { error: errorMessage(error) });
          this.deps.onFatal(error);
          return;
        }
        if (kind !== 'aborted') {
          const delay = backoffDelay(failures, this.deps.backoff, this.deps.random);
          failures += 1;
          this.deps.logger.warn('handshake failed; retrying', {
            error: errorMessage(error),
            attempt: failures,
            retryInMs: delay,
          });
          stage = 'handshake';
          try {
            await sleep(delay, session.signal);
          } catch {
            // demoted, re-handshake requested or stopping: go on at once
          }
        }
      }
      if (this.forced) {
        stage = this.forced;
        this.forced = null;
      }
    }
  }

  private async handshake(signal: AbortSignal): Promise<Stage> {
    const { zone, client, agentKey } = this.deps;
    zone.setRole('handshaking');
    const reply = await client.handshake(await this.deps.handshakeRequest(), signal);
    if (reply.agentKey !== agentKey)
      throw new Error(`handshake answered for agent ${reply.agentKey}, not ${agentKey}`);
    zone.settings = reply.settings;
    zone.members = reply.members;
    zone.primary = reply.primary;
    zone.epoch = reply.lease.epoch;
    zone.lanKey = lanKeyFromSecret(reply.lanSecret);
    this.deps.onHandshake(reply);
    this.deps.logger.info('handshake done', {
      role: reply.role,
      epoch: reply.lease.epoch,
      primary: reply.primary?.agentKey ?? null,
      members: reply.members.length,
    });
    return reply.role;
  }

  private async runPrimary(signal: AbortSignal): Promise<Stage> {
    const { zone, client, runner, agentKey, logger, now } = this.deps;
    zone.setRole('primary');
    zone.primary = zone.member(agentKey) ?? zone.primary;
    const distributor = new WorkDistributor({
      agentKey,
      zone,
      lan: this.deps.lan,
      intake: this.deps.intake,
      runner,
      logger,
      now,
    });
    this.distributor = distributor;
    const prober = new MemberProber({ lan: this.deps.lan, zone, agentKey, logger, now });
    const probing = new AbortController();
    const stopProbing = (): void => probing.abort();
    signal.addEventListener('abort', stopProbing, { once: true });
    const proberDone = prober.run(probing.signal);
    let lastRenewal = now();
    let failures = 0;
    try {
      while (!signal.aborted) {
        const started = now();
        let reply;
        try {
          reply = await client.poll(
            {
              epoch: zone.epoch,
              members: prober.health(),
              runningTasks: runner.runningCount(),
              resources: await this.deps.resources(),
            },
            { signal, waitMs: zone.settings.pollWaitMs },
          );
        } catch (error) {
          if (isStaleEpoch(error)) {
            logger.warn('lost the zone lease (stale epoch); stepping down', { epoch: zone.epoch });
            return 'handshake';
          }
          const kind = classifyError(error);
          if (kind === 'aborted' || kind === 'fatal') throw error;
          if (now() - lastRenewal >= zone.settings.leaseTtlMs) {
            logger.warn('could not renew the zone lease before it ran out; stepping down', {
              error: errorMessage(error),
            });
            return 'handshake';
          }
          const delay = backoffDelay(failures, this.deps.backoff, this.deps.random);
          failures += 1;
          logger.warn('poll failed; retrying', {
            error: errorMessage(error),
            attempt: failures,
            retryInMs: delay,
          });
          await sleep(delay, signal);
          continue;
        }
        failures = 0;
        // The manager renewed (or kept) the lease some time after we asked; counting from the ask is safe.
        lastRenewal = started;
        zone.settings = reply.settings;
        zone.members = reply.members;
        if (reply.lease.holderAgentKey !== agentKey) {
          logger.warn('the manager names another lease holder; stepping down', {
            holder: reply.lease.holderAgentKey,
            epoch: reply.lease.epoch,
          });
          return 'handshake';
        }
        zone.epoch = Math.max(zone.epoch, reply.lease.epoch);
        const fresh = distributor.handle(reply);
        // A poll the manager answered at once with nothing new (no hold configured, or the same
        // unacknowledged work again) must not turn into a busy loop.
        if (!fresh && now() - started < 100)
          await sleep(Math.min(zone.settings.probeIntervalMs, 1_000), signal);
      }
      return 'handshake';
    } finally {
      signal.removeEventListener('abort', stopProbing);
      probing.abort();
      await proberDone;
    }
  }

  private async runSecondary(signal: AbortSignal): Promise<Stage> {
    const { zone, client, agentKey, logger, now } = this.deps;
    zone.setRole('secondary');
    let misses = 0;
    let leaseFailures = 0;
    while (!signal.aborted) {
      const started = now();
      const { probeIntervalMs, probeFailuresBeforeElection } = zone.settings;
      const primary = zone.primary;
      const reason = primary && primary.agentKey !== agentKey ? 'primary-unreachable' : 'no-primary';
      if (reason === 'no-primary') {
        misses = probeFailuresBeforeElection;
      } else if (primary) {
        const alive = await this.probePrimary(primary, probeIntervalMs, signal);
        if (signal.aborted) break;
        if (alive) {
          if (misses >= probeFailuresBeforeElection)
            logger.info('primary answers again', { primary: primary.agentKey });
          misses = 0;
        } else {
          misses += 1;
          logger.debug('primary missed a probe', { primary: primary.agentKey, misses });
        }
      }
      let wait = probeIntervalMs;
      if (misses >= probeFailuresBeforeElection) {
        try {
          const reply = await client.requestLease({ reason, lastKnownEpoch: zone.epoch }, signal);
          leaseFailures = 0;
          zone.epoch = Math.max(zone.epoch, reply.lease.epoch);
          if (reply.granted && reply.lease.holderAgentKey === agentKey) {
            logger.info('zone lease granted; becoming primary', {
              epoch: reply.lease.epoch,
              previous: primary?.agentKey ?? null,
            });
            zone.epoch = reply.lease.epoch;
            return 'primary';
          }
          if (reply.primary?.agentKey === agentKey || reply.lease.holderAgentKey === agentKey)
            return 'handshake';
          if (reply.primary && reply.primary.agentKey !== primary?.agentKey) {
            logger.info('following the primary the manager names', {
              primary: reply.primary.agentKey,
              ip: reply.primary.ip,
            });
            zone.primary = reply.primary;
            misses = 0;
          } else if (
            !reply.primary &&
            reply.lease.holderAgentKey &&
            reply.lease.holderAgentKey !== primary?.agentKey
          ) {
            // Someone else holds the lease but we do not know its address: learn it from a handshake.
            return 'handshake';
          }
        } catch (error) {
          const kind = classifyError(error);
          if (kind === 'aborted' || kind === 'fatal') throw error;
          wait = Math.max(probeIntervalMs, backoffDelay(leaseFailures, this.deps.backoff, this.deps.random));
          leaseFailures += 1;
          logger.warn('lease request failed', { error: errorMessage(error), attempt: leaseFailures });
        }
      }
      await sleep(Math.max(0, wait - (now() - started)), signal);
    }
    return 'handshake';
  }

  /** Alive means: the agent we expect answers a signed ping and still calls itself primary. */
  private async probePrimary(primary: ZoneMember, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    try {
      const reply = await this.deps.lan.ping(primary, timeoutMs, signal);
      return reply.agentKey === primary.agentKey && reply.role === 'primary';
    } catch {
      return false;
    }
  }
}
