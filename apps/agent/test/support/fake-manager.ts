import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  AGENT_PROTOCOL_VERSION,
  agentProtocolRoutes,
  handshakeResponseSchema,
  leaseResponseSchema,
  pollResponseSchema,
  reportResponseSchema,
  type AgentSettings,
  type Assignment,
  type LeaseView,
  type ReportItem,
  type ReportOutcome,
  type ZoneMember,
} from '@outpost/shared';
import type { z } from 'zod';
import { closeNow, listenOnLoopback } from './loopback-server';

/** Fast timings so protocol tests run in a second or two. */
export const testSettings: AgentSettings = {
  pollWaitMs: 300,
  leaseTtlMs: 1_500,
  probeIntervalMs: 100,
  probeFailuresBeforeElection: 2,
  heartbeatIntervalMs: 200,
  sessionTtlMs: 60_000,
};

export interface RecordedCall {
  route: string;
  agentKey: string | null;
  body: unknown;
  status: number;
  at: number;
}

interface FakeAgent {
  agentKey: string;
  credential: string;
  ip: string;
  port: number;
}

type Override = (
  route: string,
  agentKey: string | null,
  body: unknown,
) => { status: number; body: unknown } | undefined;

/**
 * A small manager speaking the agent protocol for tests: it validates every request with the
 * shared schemas (a violation is recorded and answered 400), keeps one lease per zone with epochs,
 * long-polls, answers reports per item, and lets a test script failures.
 */
export class FakeManager {
  readonly zoneId = 1;
  readonly apiKey = 'zone-api-key-0001';
  readonly lanSecret = randomBytes(32).toString('base64');
  settings: AgentSettings = { ...testSettings };
  lease: { holder: string | null; epoch: number; expiresAt: number } = {
    holder: null,
    epoch: 0,
    expiresAt: 0,
  };
  readonly agents = new Map<string, FakeAgent>();
  /** Calls as answered (a held poll is recorded when it returns). */
  readonly calls: RecordedCall[] = [];
  /** Calls per route as they arrive. */
  readonly arrivals = new Map<string, number>();
  readonly violations: string[] = [];
  /** Items accepted, in arrival order (duplicates not repeated). */
  readonly accepted: ReportItem[] = [];
  readonly runs = new Map<number, Assignment>();
  /** Runs an agent accepted (`POST /agent/v1/runs/:runId/accept`) before starting them. */
  readonly acceptedRuns = new Set<number>();
  readonly pendingAssignments: Assignment[] = [];
  readonly pollCancels: { runId: number; agentKey: string }[] = [];
  readonly reportCancels = new Map<string, number[]>();
  protocolVersion = String(AGENT_PROTOCOL_VERSION);
  override: Override | null = null;
  rejectItem: ((item: ReportItem) => string | null) | null = null;
  private readonly tokens = new Map<string, string>();
  private readonly seen = new Set<string>();
  private waiters: (() => void)[] = [];
  private server: Server | null = null;
  private nextAgent = 1;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  async close(): Promise<void> {
    this.wake();
    await closeNow(this.server);
  }

  /** An agent that joined earlier (its identity is already in a state dir). */
  registerAgent(agentKey: string, credential: string, ip = '127.0.0.1', port = 1): void {
    this.agents.set(agentKey, { agentKey, credential, ip, port });
  }

  /** Makes every current session token invalid (as after a manager key rotation). */
  revokeSessions(): void {
    this.tokens.clear();
  }

  assign(assignment: Assignment): void {
    this.runs.set(assignment.runId, assignment);
    this.pendingAssignments.push(assignment);
    this.wake();
  }

  cancelViaPoll(runId: number, agentKey: string): void {
    this.pollCancels.push({ runId, agentKey });
    this.wake();
  }

  callsOf(route: string, agentKey?: string): RecordedCall[] {
    return this.calls.filter((c) => c.route === route && (agentKey === undefined || c.agentKey === agentKey));
  }

  leaseView(): LeaseView {
    return {
      epoch: this.lease.epoch,
      holderAgentKey: this.lease.holder,
      expiresAt: this.lease.holder ? new Date(this.lease.expiresAt).toISOString() : null,
    };
  }

  member(agentKey: string | null): ZoneMember | null {
    const agent = agentKey ? this.agents.get(agentKey) : undefined;
    return agent ? { agentKey: agent.agentKey, ip: agent.ip, port: agent.port, state: 'online' } : null;
  }

  members(): ZoneMember[] {
    return [...this.agents.values()].map((a) => ({
      agentKey: a.agentKey,
      ip: a.ip,
      port: a.port,
      state: 'online',
    }));
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private leaseLive(): boolean {
    return this.lease.holder !== null && Date.now() < this.lease.expiresAt;
  }

  private grant(agentKey: string): void {
    this.lease = {
      holder: agentKey,
      epoch: this.lease.epoch + 1,
      expiresAt: Date.now() + this.settings.leaseTtlMs,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : undefined;
    const path = (req.url ?? '').split('?')[0] ?? '';
    const route =
      Object.values(agentProtocolRoutes).find(
        (r) =>
          r.method === req.method && new RegExp(`^${r.path.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(path),
      ) ?? null;
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const agentKey = this.tokens.get(token) ?? null;
    const reply = (status: number, payload: unknown): void => {
      this.calls.push({ route: route?.id ?? path, agentKey, body, status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const problem = (status: number, code: string, message: string): void =>
      reply(status, { code, message, requestId: 'test' });

    if (!route) return problem(404, 'ROUTE_NOT_FOUND', 'no route');
    this.arrivals.set(route.id, (this.arrivals.get(route.id) ?? 0) + 1);
    if (req.headers['x-outpost-protocol'] !== this.protocolVersion) {
      return problem(
        400,
        'PROTOCOL_VERSION_MISMATCH',
        `this manager speaks agent protocol ${this.protocolVersion}; the agent sent ${String(req.headers['x-outpost-protocol'])}`,
      );
    }
    if ('body' in route && route.body) {
      const parsed = (route.body as z.ZodType).safeParse(body);
      if (!parsed.success) {
        this.violations.push(`${route.id}: ${JSON.stringify(parsed.error.issues)}`);
        return problem(400, 'VALIDATION_FAILED', 'invalid body');
      }
    }
    const scripted = this.override?.(route.id, agentKey, body);
    if (scripted) return reply(scripted.status, scripted.body);

    if (route.id === 'agentJoin') {
      const join = body as { zoneId: number; apiKey?: string; identity: { ips: string[]; lanPort: number } };
      if (join.zoneId !== this.zoneId || join.apiKey !== this.apiKey)
        return problem(401, 'INVALID_CREDENTIALS', 'bad API key');
      const agent: FakeAgent = {
        agentKey: `agent-${this.nextAgent++}`,
        credential: randomBytes(16).toString('hex'),
        ip: join.identity.ips[0] ?? '127.0.0.1',
        port: join.identity.lanPort,
      };
      this.agents.set(agent.agentKey, agent);
      return reply(201, { agentKey: agent.agentKey, zoneId: this.zoneId, credential: agent.credential });
    }
    if (route.id === 'agentSession') {
      const session = body as { agentKey: string; credential: string };
      const agent = this.agents.get(session.agentKey);
      if (!agent || agent.credential !== session.credential)
        return problem(401, 'INVALID_CREDENTIALS', 'bad credential');
      const issued = randomBytes(12).toString('hex');
      this.tokens.set(issued, agent.agentKey);
      this.calls.push({
        route: route.id,
        agentKey: agent.agentKey,
        body: { agentKey: agent.agentKey },
        status: 200,
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          token: issued,
          expiresAt: new Date(Date.now() + this.settings.sessionTtlMs).toISOString(),
        }),
      );
      return;
    }
    if (!agentKey) return problem(401, 'UNAUTHENTICATED', 'no valid session');
    const self = this.agents.get(agentKey);

    switch (route.id) {
      case 'agentHandshake': {
        const hs = body as { identity: { ips: string[]; lanPort: number } };
        if (self) {
          self.ip = hs.identity.ips[0] ?? self.ip;
          self.port = hs.identity.lanPort;
        }
        if (!this.leaseLive() || this.lease.holder === agentKey) {
          if (this.lease.holder === agentKey && this.leaseLive())
            this.lease.expiresAt = Date.now() + this.settings.leaseTtlMs;
          else this.grant(agentKey);
        }
        return reply(
          200,
          handshakeResponseSchema.parse({
            agentKey,
            zoneId: this.zoneId,
            role: this.lease.holder === agentKey ? 'primary' : 'secondary',
            lease: this.leaseView(),
            primary: this.member(this.lease.holder),
            members: this.members(),
            settings: this.settings,
            lanSecret: this.lanSecret,
            serverTime: new Date().toISOString(),
          }),
        );
      }
      case 'agentPoll': {
        const poll = body as { epoch: number };
        if (this.lease.holder !== agentKey || poll.epoch !== this.lease.epoch)
          return problem(409, 'STALE_EPOCH', `epoch ${poll.epoch} is stale`);
        this.lease.expiresAt = Date.now() + this.settings.leaseTtlMs;
        if (this.pendingAssignments.length === 0 && this.pollCancels.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.settings.pollWaitMs);
            this.waiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        if (this.lease.holder !== agentKey) return problem(409, 'STALE_EPOCH', 'lease lost while polling');
        return reply(
          200,
          pollResponseSchema.parse({
            lease: this.leaseView(),
            assignments: this.pendingAssignments.splice(0).map((a) => ({ ...a, credentials: {} })), // credentials come with the acceptance only
            cancels: this.pollCancels.splice(0),
            members: this.members(),
            settings: this.settings,
          }),
        );
      }
      case 'agentAcceptRun': {
        const runId = Number(/\/runs\/(\d+)\/accept$/.exec(path)?.[1]);
        const run = this.runs.get(runId);
        if (!run || run.agentKey !== agentKey)
          return problem(404, 'TASK_RUN_NOT_FOUND', `run ${runId} not found`);
        this.acceptedRuns.add(runId);
        return reply(200, run);
      }
      case 'agentReport': {
        const report = body as { items: ReportItem[]; runningRunIds: number[] };
        const outcomes: ReportOutcome[] = report.items.map((item) => {
          const key = `${item.runId}:${item.seq}`;
          if (this.seen.has(key)) return { runId: item.runId, seq: item.seq, outcome: 'duplicate' };
          const rejection = this.rejectItem?.(item) ?? null;
          if (rejection)
            return {
              runId: item.runId,
              seq: item.seq,
              outcome: 'rejected',
              code: 'INVALID_TRANSITION',
              message: rejection,
            };
          this.seen.add(key);
          this.accepted.push(item);
          return { runId: item.runId, seq: item.seq, outcome: 'accepted' };
        });
        const cancels = this.reportCancels.get(agentKey) ?? [];
        this.reportCancels.delete(agentKey);
        return reply(
          200,
          reportResponseSchema.parse({ outcomes, cancels, lease: this.leaseView(), settings: this.settings }),
        );
      }
      case 'agentRequestLease': {
        if (!this.leaseLive() || this.lease.holder === agentKey) this.grant(agentKey);
        const granted = this.lease.holder === agentKey;
        return reply(
          200,
          leaseResponseSchema.parse({
            granted,
            lease: this.leaseView(),
            primary: this.member(this.lease.holder),
          }),
        );
      }
      default:
        return problem(404, 'ROUTE_NOT_FOUND', 'no route');
    }
  }
}

export function assignmentFor(agentKey: string, runId: number, extra: Partial<Assignment> = {}): Assignment {
  return {
    runId,
    taskId: runId * 10,
    zoneId: 1,
    agentKey,
    attempt: 1,
    epoch: 1,
    task: {
      name: `task-${runId}`,
      taskType: 'atOnce',
      parameter: '',
      timeoutSeconds: 0,
      showLog: true,
      cron: null,
      timeZone: 'UTC',
      untilRun: null,
      steps: [{ seq: 1, commandName: 'echo', commandType: 'inline', command: 'echo hi', isRecover: false }],
    },
    credentials: { DB_PASSWORD: 'secret-value-1234' },
    ...extra,
  };
}
