import type { AgentEntity } from '../agents/agent.entity';

/**
 * How long a kept view may be used without a change being signalled. The bound for a change that
 * reached no WorkSignal (another manager running without the RabbitMQ wake-up relay).
 */
export const ZONE_VIEW_MAX_AGE_MS = 5_000;

/** What the last full look at a zone found, when it found nothing to hand out. */
interface IdleLook {
  atMs: number;
  /** When the zone's next timed task falls due, if one is waiting. */
  nextDueAt: Date | null;
}

interface ZoneView {
  /** The zone's WorkSignal version the view was read under. */
  version: number;
  agents?: { atMs: number; rows: AgentEntity[] };
  idle?: IdleLook;
}

/**
 * What this manager last read of a zone for its primary's poll, kept between polls so a
 * steady-state poll reads nothing from the database: the zone's agents, and that the last full
 * look found the zone idle (no waiting task, no unacknowledged run, no cancel to carry) with the
 * time its next timed task falls due.
 *
 * Correctness rests on one rule: everything that can give a zone work or change its agents calls
 * `WorkSignal.notify(zoneId)` after its commit (tasks created or released, cancels, retries,
 * reaped runs, handshakes, retirements, liveness changes), and every notify — local, or relayed
 * from another manager — bumps the zone's version, which voids what is kept here. A look records
 * the version it started under, so a change committed while it was reading voids its result too.
 * Views also expire after `maxAgeMs`, and the poll's own sightings update the kept agent rows.
 */
export class ZoneViews {
  private readonly views = new Map<number, ZoneView>();

  constructor(private readonly maxAgeMs = ZONE_VIEW_MAX_AGE_MS) {}

  /** The kept agents of the zone, if still valid at `version`. */
  agents(zoneId: number, version: number, nowMs: number): AgentEntity[] | null {
    const kept = this.current(zoneId, version)?.agents;
    return kept && nowMs - kept.atMs < this.maxAgeMs ? kept.rows : null;
  }

  keepAgents(zoneId: number, version: number, rows: AgentEntity[], nowMs: number): void {
    this.viewFor(zoneId, version).agents = { atMs: nowMs, rows };
  }

  /**
   * The zone is known to be idle at `version`: the last full look found nothing and no timed task
   * has fallen due since. Returns when the next one falls due (null: none waiting); undefined
   * when the zone must be looked at.
   */
  idle(zoneId: number, version: number, nowMs: number): { nextDueAt: Date | null } | undefined {
    const look = this.current(zoneId, version)?.idle;
    if (!look || nowMs - look.atMs >= this.maxAgeMs) return undefined;
    if (look.nextDueAt && look.nextDueAt.getTime() <= nowMs) return undefined;
    return { nextDueAt: look.nextDueAt };
  }

  /** Records the outcome of a full look that started under `version`. */
  looked(zoneId: number, version: number, outcome: { idle: boolean; nextDueAt: Date | null }, nowMs: number) {
    const view = this.viewFor(zoneId, version);
    if (outcome.idle) view.idle = { atMs: nowMs, nextDueAt: outcome.nextDueAt };
    else delete view.idle;
  }

  /** How many zones have a view kept (metrics, tests). */
  get size(): number {
    return this.views.size;
  }

  private current(zoneId: number, version: number): ZoneView | undefined {
    const view = this.views.get(zoneId);
    return view?.version === version ? view : undefined;
  }

  /** The view of `version`; one of an older version is dropped, and a newer one is never replaced. */
  private viewFor(zoneId: number, version: number): ZoneView {
    const view = this.views.get(zoneId);
    if (view && view.version === version) return view;
    const fresh: ZoneView = { version };
    // A look that started before a change must not overwrite what a later look kept.
    if (view && view.version > version) return fresh;
    this.views.set(zoneId, fresh);
    return fresh;
  }
}
