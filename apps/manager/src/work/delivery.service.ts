import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Assignment, PollRequest, PollResponse } from '@outpost/shared';
import type { AgentEntity } from '../agents/agent.entity';
import { toZoneMember } from '../agent-api/agent-protocol.mapper';
import type { AgentPrincipal } from '../common/auth/agent-principal';
import { Clock } from '../common/clock/clock';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { CredentialsService } from '../credentials/credentials.service';
import { ElectionService } from '../election/election.service';
import { TransactionRunner } from '../database/transaction-runner';
import { toLeaseView } from '../election/zone-lease';
import { TaskEventsWriter } from '../tasks/task-events.writer';
import type { TaskStepEntity } from '../tasks/task-step.entity';
import { TaskRelease } from '../tasks/task-release';
import { TaskTransitions } from '../tasks/task-transitions';
import type { TaskEntity } from '../tasks/task.entity';
import { toTaskTarget } from '../tasks/task.mapper';
import { type Candidate, pickAgents } from './agent-selection';
import { AgentSightings, type Sighting } from './agent-sightings';
import { toAssignment } from './assignment.mapper';
import { ReportService } from './report.service';
import { WorkSignal } from './work-signal';
import { type RunWithTask, WorkRepository } from './work.repository';
import { ZoneViews } from './zone-views';
import { assignmentKey, cancelKey, RecentDeliveries } from './recent-deliveries';

/** A repeat (unacknowledged run, pending cancel) is re-sent at most this often when nothing else is new. */
const MIN_RESEND_INTERVAL_MS = 1_000;

function deliveryKeys(found: { assignments: { runId: number }[]; cancels: { runId: number }[] }): string[] {
  return [
    ...found.assignments.map((a) => assignmentKey(a.runId)),
    ...found.cancels.map((c) => cancelKey(c.runId)),
  ];
}

/**
 * The reason a poll's hold ends with. Given none, abort() builds a DOMException with a stack trace
 * on every poll, which showed up in the call path's CPU profile.
 */
const HOLD_ENDED = 'hold ended';

/** At most this many waiting tasks are handed over per poll; the rest go with the next poll. */
const CLAIM_LIMIT = 50;
/** Timed tasks (schedule, retry backoff, next tick) looked at per poll, soonest first. */
const TIMED_SCAN_LIMIT = 100;

interface Found {
  assignments: Assignment[];
  cancels: PollResponse['cancels'];
  /** When the zone's next timed task falls due, if one is waiting. */
  nextDueAt: Date | null;
  /** Nothing waits in the zone: no waiting task (deliverable or not), no unacknowledged run, no cancel. */
  idle: boolean;
}

/** Errors that only mean another writer moved the task first (a cancel, another manager's poll). */
function lostRace(error: unknown): boolean {
  return (
    error instanceof AppError && (error.code === 'INVALID_TRANSITION' || error.code === 'TASK_NOT_FOUND')
  );
}

/**
 * The primary's long-poll and the run fetch: lazy scheduling, choosing agents, handing runs over
 * (at least once) and carrying cancels. Scheduling is lazy on purpose: a zone's timed tasks are
 * only deliverable through its primary's poll anyway, so the poll releases the due ones itself
 * and a zone without a primary costs nothing.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly work: WorkRepository,
    private readonly transitions: TaskTransitions,
    private readonly taskEvents: TaskEventsWriter,
    private readonly election: ElectionService,
    private readonly credentials: CredentialsService,
    private readonly sightings: AgentSightings,
    private readonly signal: WorkSignal,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly release: TaskRelease,
    private readonly reports: ReportService,
  ) {}

  private readonly recent = new RecentDeliveries();
  private readonly views = new ZoneViews();

  /**
   * Renews the lease first: a stale epoch is refused (409 STALE_EPOCH) before anything is read or
   * handed out. Answers at once when there is work or a cancel; otherwise holds up to pollWaitMs
   * (less when a timed task falls due sooner) and looks once more when woken. `closed` fires when
   * the client goes away: the hold ends and nothing more is handed out for it.
   */
  async poll(caller: AgentPrincipal, request: PollRequest, closed: AbortSignal): Promise<PollResponse> {
    const lease = await this.election.renewIfNeeded(caller.zoneId, caller.agentId, request.epoch);
    const settings = this.config.agentSettings;
    const agents = await this.zoneAgents(caller.zoneId, request);
    const candidates = await this.seeZone(caller, request, agents);
    const hold = new AbortController();
    const release = () => hold.abort(HOLD_ENDED);
    closed.addEventListener('abort', release, { once: true });
    // Started BEFORE looking for work, so a task created while this poll looks still wakes it.
    const woken = this.signal.wait(caller.zoneId, settings.pollWaitMs, hold.signal);
    let dueTimer: NodeJS.Timeout | undefined;
    try {
      let found = await this.look(caller, lease.epoch, candidates);
      if (!this.isNews(found) && !closed.aborted) {
        let due = false;
        if (found.nextDueAt) {
          // +5 ms: a timer may fire a millisecond early, and the task must be due when we look.
          const dueInMs = Math.max(0, found.nextDueAt.getTime() - this.clock.now().getTime()) + 5;
          dueTimer = setTimeout(() => {
            due = true;
            release();
          }, dueInMs);
        }
        const notified = await woken;
        // Look again only when something changed: a notify or a timed task falling due. A hold that
        // simply ran out answers with what was found (this is the steady-state poll: one look).
        if ((notified || due) && !closed.aborted) found = await this.look(caller, lease.epoch, candidates);
      }
      this.recent.markSent(deliveryKeys(found), this.clock.now().getTime());
      return {
        lease: toLeaseView(lease),
        assignments: found.assignments,
        cancels: found.cancels,
        members: agents.map(toZoneMember),
        settings,
      };
    } finally {
      clearTimeout(dueTimer);
      hold.abort(HOLD_ENDED);
      closed.removeEventListener('abort', release);
    }
  }

  /** Anything not already sent in the last pollWaitMs (repeats alone do not end the hold). */
  private isNews(found: Found): boolean {
    const withinMs = Math.max(this.config.agentSettings.pollWaitMs, MIN_RESEND_INTERVAL_MS);
    return this.recent.hasNews(deliveryKeys(found), this.clock.now().getTime(), withinMs);
  }

  /**
   * The caller accepts its run before starting it (recorded by ReportService.acknowledge) and gets
   * the assignment, with the zone's credentials: only the run's own agent ever receives them. The
   * assignment is built from the run and task the acceptance read (and checked: the caller's own,
   * unfinished run) in its transaction, as it committed.
   */
  async acceptRun(caller: AgentPrincipal, runId: number): Promise<Assignment> {
    const found = await this.reports.acknowledge(caller, runId);
    const steps = await this.work.stepsOf([found.task.id]);
    const credentials = await this.credentials.resolveForZone(found.run.zoneId);
    return toAssignment(found.run, found.task, steps, credentials);
  }

  /**
   * The zone's agents that were not retired: kept between polls until the zone's next change, or
   * until the primary reaches a member they do not hold (it joined through another manager, say).
   */
  private async zoneAgents(zoneId: number, request: PollRequest): Promise<AgentEntity[]> {
    const version = this.signal.version(zoneId);
    const nowMs = this.clock.now().getTime();
    const kept = this.views.agents(zoneId, version, nowMs);
    const keys = new Set(kept?.map((agent) => agent.agentKey));
    if (kept && request.members.every((member) => !member.reachable || keys.has(member.agentKey)))
      return kept;
    const agents = await this.work.zoneAgents(zoneId);
    this.views.keepAgents(zoneId, version, agents, nowMs);
    return agents;
  }

  /**
   * Records what the primary saw (itself and the members it reached are online) and returns the
   * agents that may get work now: online, not retired, and the primary or a reachable member.
   */
  private async seeZone(
    caller: AgentPrincipal,
    request: PollRequest,
    agents: AgentEntity[],
  ): Promise<Candidate[]> {
    const byKey = new Map(agents.map((agent) => [agent.agentKey, agent]));
    const sightings: Sighting[] = [];
    const primary = agents.find((agent) => agent.id === caller.agentId);
    if (primary)
      sightings.push({ agent: primary, runningTasks: request.runningTasks, resources: request.resources });
    const seen = new Set<number>(primary ? [primary.id] : []);
    for (const member of request.members) {
      const agent = byKey.get(member.agentKey);
      if (!member.reachable || !agent || seen.has(agent.id)) continue;
      seen.add(agent.id);
      sightings.push({ agent, runningTasks: member.runningTasks, resources: member.resources });
    }
    await this.sightings.record(sightings, this.clock.now());
    return sightings
      .filter(({ agent }) => agent.state === 'online')
      .map(({ agent, runningTasks }) => ({
        id: agent.id,
        agentKey: agent.agentKey,
        labels: agent.labels,
        isPrimary: agent.id === caller.agentId,
        load: runningTasks,
      }));
  }

  /**
   * The zone's work for this poll. A zone whose last look found it idle, with no change signalled
   * since and no timed task due, is answered from memory: the steady-state poll reads nothing.
   */
  private async look(
    caller: AgentPrincipal,
    epoch: number,
    candidates: readonly Candidate[],
  ): Promise<Found> {
    const { zoneId } = caller;
    // Read before looking: a change committed while the look reads makes its outcome void.
    const version = this.signal.version(zoneId);
    const nowMs = this.clock.now().getTime();
    const idle = this.views.idle(zoneId, version, nowMs);
    if (idle) return { assignments: [], cancels: [], nextDueAt: idle.nextDueAt, idle: true };
    const found = await this.collect(caller, epoch, candidates);
    this.views.looked(zoneId, version, found, nowMs);
    return found;
  }

  private async collect(
    caller: AgentPrincipal,
    epoch: number,
    candidates: readonly Candidate[],
  ): Promise<Found> {
    const { zoneId } = caller;
    const nextDueAt = await this.releaseDue(zoneId);
    let waiting = await this.claim(zoneId, epoch, candidates);
    let pending = await this.work.pendingRuns(zoneId);
    if (await this.rescueStranded(pending, candidates)) {
      waiting = await this.claim(zoneId, epoch, candidates);
      pending = await this.work.pendingRuns(zoneId);
    }
    await this.refence(pending, epoch);
    const assignments = await this.assignments(pending);
    const cancels = await this.work.zoneCancels(zoneId);
    const idle = waiting === 0 && pending.length === 0 && cancels.length === 0;
    return { assignments, cancels, nextDueAt, idle };
  }

  /**
   * Due timed tasks become deliverable, by the same rules as the scheduler worker's (TaskRelease:
   * guarded, so a task canceled meanwhile stays canceled).
   */
  private async releaseDue(zoneId: number): Promise<Date | null> {
    const now = this.clock.now();
    for (const task of await this.work.timedTasks(zoneId, TIMED_SCAN_LIMIT)) {
      if (task.nextRunAt && task.nextRunAt.getTime() > now.getTime()) return task.nextRunAt;
      try {
        await this.release.release(task.id);
      } catch (error) {
        this.logger.error(`Task ${task.id} could not be released: ${messageOf(error)}`);
      }
    }
    return null;
  }

  /**
   * Hands the zone's waiting tasks over, oldest first: one transaction per task inserts its runs
   * and moves it `wait-polling → hand-over` (guarded; a task moved meanwhile is skipped). A task no
   * eligible agent fits stays waiting, visible, until one comes online. One task failing never
   * keeps the others from being delivered. Returns how many waiting tasks it saw (unknown without
   * candidates: counted as one, so the zone is not taken for idle).
   */
  private async claim(zoneId: number, epoch: number, candidates: readonly Candidate[]): Promise<number> {
    if (candidates.length === 0) return 1;
    const waiting = await this.work.waitingTasks(zoneId, CLAIM_LIMIT);
    if (waiting.length === 0) return 0;
    const counts = await this.work.activeRunCounts(zoneId);
    const pool = candidates.map((candidate) => ({
      ...candidate,
      load: candidate.load + (counts.get(candidate.id) ?? 0),
    }));
    for (const task of waiting) {
      const chosen = pickAgents(toTaskTarget(task), pool);
      this.logger.debug(
        `task ${task.id}: candidates ${pool.map((c) => `${c.agentKey}${c.isPrimary ? '(primary)' : ''} load ${c.load}`).join(', ')}; chose ${chosen.map((c) => c.agentKey).join(', ') || 'none'}`,
      );
      if (chosen.length === 0) continue;
      try {
        await this.handOver(task, chosen, epoch);
        for (const agent of chosen) agent.load += 1;
      } catch (error) {
        if (!lostRace(error))
          this.logger.error(`Task ${task.id} could not be handed over: ${messageOf(error)}`);
      }
    }
    return waiting.length;
  }

  private async handOver(task: TaskEntity, agents: readonly Candidate[], epoch: number): Promise<void> {
    // The task's and the runs' events in one INSERT at the end, in the order they were written.
    await this.transactions.run((manager) =>
      this.taskEvents.batched(manager, async () => {
        const now = this.clock.now();
        await this.transitions.transition(task.id, 'hand-over', {
          manager,
          changes: { exeAgentKey: agents.length === 1 ? (agents[0]?.agentKey ?? null) : null },
        });
        const runs = await this.work.insertRuns(
          manager,
          agents.map((agent) => ({
            taskId: task.id,
            zoneId: task.zoneId,
            agentId: agent.id,
            agentKey: agent.agentKey,
            attempt: task.attempt + 1,
            status: 'hand-over',
            leaseEpoch: epoch,
            currentStep: 0,
            failedStep: null,
            result: null,
            error: null,
            startedAt: null,
            finishedAt: null,
            heartbeatAt: null,
            // One instant for the whole delivery: it tells this delivery's runs from other ones.
            createdAt: now,
            updatedAt: now,
          })),
        );
        for (const run of runs) await this.taskEvents.runStatusChanged(run, null, 'hand-over', now, manager);
      }),
    );
  }

  /**
   * A run handed to an agent that never accepted it and that the primary cannot reach (it died,
   * often the old primary itself, killed between claim and reply) would wait forever. After one
   * lease TTL it is canceled and a one-run task goes back to `wait-polling` to be handed to an
   * agent that can be reached. This never runs anything twice: an agent starts a run only after
   * its acceptance moved the run out of `hand-over`, and the acceptance and this cancel are both
   * guarded by that status, so exactly one of them wins.
   */
  private async rescueStranded(pending: RunWithTask[], candidates: readonly Candidate[]): Promise<boolean> {
    const reachable = new Set(candidates.map((candidate) => candidate.id));
    const now = this.clock.now();
    const strandAfterMs = this.config.agentSettings.leaseTtlMs;
    const stranded = pending.filter(
      ({ run }) =>
        run.agentId !== null &&
        !reachable.has(run.agentId) &&
        now.getTime() - run.createdAt.getTime() >= strandAfterMs,
    );
    let rescued = false;
    for (const { run, task } of stranded) {
      try {
        await this.transactions.run(async (manager) => {
          const changed = await this.work.updateRunGuarded(manager, run, {
            status: 'canceled',
            error: 'never accepted: its agent could not be reached, so the task was handed out again',
            finishedAt: now,
            updatedAt: now,
          });
          if (!changed) return;
          await this.taskEvents.runStatusChanged(run, 'hand-over', 'canceled', now, manager);
          const delivery = await this.work.deliveryOf(manager, run);
          if (delivery.length === 1 && task.status === 'hand-over') {
            await this.transitions.transition(task.id, 'wait-polling', {
              manager,
              changes: { exeAgentKey: null },
            });
          }
          rescued = true;
        });
      } catch (error) {
        if (!lostRace(error))
          this.logger.error(`Run ${run.id} could not be handed out again: ${messageOf(error)}`);
      }
    }
    return rescued;
  }

  /** Unacknowledged runs go out again under the current epoch (written only when it changed). */
  private async refence(pending: RunWithTask[], epoch: number): Promise<void> {
    const stale = pending.filter(({ run }) => run.leaseEpoch !== epoch);
    if (stale.length === 0) return;
    const now = this.clock.now();
    await this.transactions.run((manager) =>
      this.work.setLeaseEpoch(
        manager,
        stale.map(({ run }) => run.id),
        epoch,
        now,
      ),
    );
    for (const { run } of stale) run.leaseEpoch = epoch;
  }

  /**
   * No credentials in a poll reply, not even for the primary's own runs: every agent gets them only
   * in the answer to its acceptance (acceptRun), the one moment it is about to start the run.
   */
  private async assignments(pending: RunWithTask[]): Promise<Assignment[]> {
    if (pending.length === 0) return [];
    const taskIds = [...new Set(pending.map(({ task }) => task.id))];
    const stepsByTask = new Map<number, TaskStepEntity[]>();
    for (const step of await this.work.stepsOf(taskIds)) {
      const list = stepsByTask.get(step.taskId) ?? [];
      list.push(step);
      stepsByTask.set(step.taskId, list);
    }
    return pending.map(({ run, task }) => toAssignment(run, task, stepsByTask.get(task.id) ?? [], {}));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
