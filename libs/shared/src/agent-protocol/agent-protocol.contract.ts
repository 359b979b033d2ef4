import { z } from 'zod';
import { idSchema, labelsSchema, timestampSchema } from '../common/primitives';
import { defineRoute } from '../common/route';
import { agentResourcesSchema } from '../inner-api/agents.contract';
import { logStreams, type taskStatuses, taskStepSchema, taskTypes } from '../inner-api/tasks.contract';
import { agentSettingsSchema } from './settings.contract';

/**
 * The manager <-> agent contract (lifecycle, retries and idempotency: README.md beside this file).
 * Every call carries the `x-outpost-protocol` header. All routes but `join` and `session` need the
 * agent's short-lived session token as `Authorization: Bearer <token>`.
 */

export const agentIdentitySchema = z
  .object({
    hostname: z.string().min(1).max(255),
    ips: z.array(z.string().max(64)).max(16),
    lanPort: z.number().int().min(1).max(65_535),
    version: z.string().max(45),
    platform: z.string().max(45),
    labels: labelsSchema,
  })
  .meta({ id: 'AgentIdentity' });
export type AgentIdentity = z.infer<typeof agentIdentitySchema>;

export const agentResourcesInputSchema = agentResourcesSchema;
export type AgentResources = z.infer<typeof agentResourcesSchema>;

// ---- join: zone API key or join token -> the agent's own credential (once) ----

/**
 * Makes a join idempotent: the agent draws it at random once per join (at least 128 bits, e.g.
 * base64url or a UUID), keeps it in its state dir and sends it with every attempt of that join.
 */
export const joinIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22,64}$/, 'a join id is 22 to 64 characters of A-Z a-z 0-9 _ -');

export const joinRequestSchema = z
  .object({
    zoneId: idSchema,
    apiKey: z.string().max(200).optional(),
    joinToken: z.string().max(200).optional(),
    identity: agentIdentitySchema,
    /*
     * Optional, so the protocol version stays 1 and an older agent still joins (once per attempt,
     * as before). With it, an attempt that repeats a join the manager already did — its answer was
     * lost or late — gets the same agent with a fresh credential (the first one is void) and spends
     * no second use of the join token; a join id whose agent has already opened a session is
     * refused with 409 AGENT_ALREADY_JOINED. A repeat must still present a key or token valid for
     * the zone: the id alone opens nothing.
     */
    joinId: joinIdSchema
      .optional()
      .describe(
        'Random id the agent keeps for this join and sends with every attempt: a retried join gets the same agent and spends the token once',
      ),
  })
  .refine((body) => Boolean(body.apiKey) !== Boolean(body.joinToken), {
    message: 'give exactly one of apiKey and joinToken',
    path: ['apiKey'],
  })
  .meta({ id: 'JoinRequest' });
export type JoinRequest = z.infer<typeof joinRequestSchema>;

export const joinResponseSchema = z
  .object({
    agentKey: z.string(),
    zoneId: z.number().int(),
    credential: z.string().describe('The agent keeps it in its state dir; the manager keeps only its hash'),
  })
  .meta({ id: 'JoinResponse' });
export type JoinResponse = z.infer<typeof joinResponseSchema>;

// ---- session: long-lived credential -> short-lived token ----
export const sessionRequestSchema = z
  .object({ agentKey: z.string().min(1).max(64), credential: z.string().min(1).max(200) })
  .meta({ id: 'AgentSessionRequest' });
export const sessionResponseSchema = z
  .object({ token: z.string(), expiresAt: timestampSchema })
  .meta({ id: 'AgentSessionResponse' });
export type AgentSessionResponse = z.infer<typeof sessionResponseSchema>;

// ---- lease / role, carried by several replies ----
export const leaseViewSchema = z
  .object({
    epoch: z.number().int().describe('Fencing token; 0 while nobody ever held the zone'),
    holderAgentKey: z.string().nullable(),
    expiresAt: timestampSchema.nullable(),
  })
  .meta({ id: 'LeaseView' });
export type LeaseView = z.infer<typeof leaseViewSchema>;

export const zoneMemberSchema = z
  .object({
    agentKey: z.string(),
    ip: z.string(),
    port: z.number().int(),
    state: z.string(),
  })
  .meta({ id: 'ZoneMember' });
export type ZoneMember = z.infer<typeof zoneMemberSchema>;

// ---- handshake: identity and resources -> role, lease, primary, settings, LAN secret ----
export const handshakeRequestSchema = z
  .object({
    identity: agentIdentitySchema,
    resources: agentResourcesSchema,
    /** Runs the agent still holds (after a restart), so the manager does not reap them. */
    runningRunIds: z.array(z.number().int()).max(1000),
  })
  .meta({ id: 'HandshakeRequest' });
export type HandshakeRequest = z.infer<typeof handshakeRequestSchema>;

export const handshakeResponseSchema = z
  .object({
    agentKey: z.string(),
    zoneId: z.number().int(),
    role: z.enum(['primary', 'secondary']),
    lease: leaseViewSchema,
    primary: zoneMemberSchema.nullable(),
    members: z.array(zoneMemberSchema),
    settings: agentSettingsSchema,
    /** Base64 key for the HMAC signatures of LAN calls between agents of this zone. */
    lanSecret: z.string(),
    serverTime: timestampSchema,
  })
  .meta({ id: 'HandshakeResponse' });
export type HandshakeResponse = z.infer<typeof handshakeResponseSchema>;

// ---- work handed to an agent ----
export const assignmentSchema = z
  .object({
    runId: z.number().int(),
    taskId: z.number().int(),
    zoneId: z.number().int(),
    agentKey: z.string().describe('The agent that must run it'),
    attempt: z.number().int(),
    epoch: z.number().int().describe('Lease epoch under which it was dispatched'),
    task: z.object({
      name: z.string(),
      taskType: z.enum(taskTypes),
      parameter: z.string(),
      timeoutSeconds: z.number().int(),
      showLog: z.boolean(),
      cron: z.string().nullable(),
      timeZone: z.string(),
      untilRun: timestampSchema.nullable(),
      steps: z.array(taskStepSchema.omit({ id: true })),
    }),
    /**
     * The zone's credentials, only in an assignment fetched by the agent that runs it. Scripts get
     * them as environment variables; `{{KEY}}` in the parameter is replaced on the agent; every
     * value is masked in logs.
     */
    credentials: z.record(z.string(), z.string()),
  })
  .meta({ id: 'Assignment' });
export type Assignment = z.infer<typeof assignmentSchema>;

// ---- poll: the primary's long-poll; renews the lease ----
export const memberHealthSchema = z
  .object({
    agentKey: z.string(),
    reachable: z.boolean(),
    runningTasks: z.number().int().min(0),
    resources: agentResourcesSchema.optional(),
  })
  .meta({ id: 'MemberHealth' });
export type MemberHealth = z.infer<typeof memberHealthSchema>;

export const pollRequestSchema = z
  .object({
    epoch: z.number().int().min(1),
    /** What the primary saw probing its secondaries on the LAN. */
    members: z.array(memberHealthSchema).max(1000),
    runningTasks: z.number().int().min(0),
    resources: agentResourcesSchema.optional(),
  })
  .meta({ id: 'PollRequest' });
export type PollRequest = z.infer<typeof pollRequestSchema>;

export const pollResponseSchema = z
  .object({
    lease: leaseViewSchema,
    /** Runs for this zone: the primary runs its own and hands the others over the LAN. */
    assignments: z.array(assignmentSchema),
    /** Runs of the zone to stop (the primary forwards cancels for runs of its secondaries). */
    cancels: z.array(z.object({ runId: z.number().int(), agentKey: z.string() })),
    members: z.array(zoneMemberSchema),
    settings: agentSettingsSchema,
  })
  .meta({ id: 'PollResponse' });
export type PollResponse = z.infer<typeof pollResponseSchema>;

// ---- report: progress, results and log chunks, from the agent's durable queue ----
export const reportableStatuses = [
  'wait-exec',
  'started',
  'running',
  'recovering',
  'wait-iteration-schedule',
  'complete',
  'failed',
  'failed-recover',
  'stopped',
  'timeout',
] as const satisfies readonly (typeof taskStatuses)[number][];

export const statusReportSchema = z.object({
  kind: z.literal('status'),
  runId: z.number().int(),
  /** Per-run sequence shared by status and log items: the idempotency key is (runId, seq). */
  seq: z.number().int().min(1),
  status: z.enum(reportableStatuses),
  currentStep: z.number().int().min(0),
  failedStep: z.number().int().nullable(),
  result: z.string().max(1_000_000).nullable(),
  error: z.string().max(10_000).nullable(),
  at: timestampSchema,
});
export const logReportSchema = z.object({
  kind: z.literal('log'),
  runId: z.number().int(),
  seq: z.number().int().min(1),
  stepSeq: z.number().int().nullable(),
  stream: z.enum(logStreams),
  content: z.string().max(32_768),
  at: timestampSchema,
});
export const reportItemSchema = z
  .discriminatedUnion('kind', [statusReportSchema, logReportSchema])
  .meta({ id: 'ReportItem' });
export type ReportItem = z.infer<typeof reportItemSchema>;
export type StatusReport = z.infer<typeof statusReportSchema>;
export type LogReport = z.infer<typeof logReportSchema>;

export const reportRequestSchema = z
  .object({
    items: z.array(reportItemSchema).max(500),
    /** Runs still executing here: their heartbeat (longTerm tasks and the manager's reaper rely on it). */
    runningRunIds: z.array(z.number().int()).max(1000),
  })
  .meta({ id: 'ReportRequest' });
export type ReportRequest = z.infer<typeof reportRequestSchema>;

export const reportOutcomeSchema = z
  .object({
    runId: z.number().int(),
    seq: z.number().int(),
    outcome: z.enum(['accepted', 'duplicate', 'rejected']),
    /** For rejected items: why; the agent drops them (logging the reason) and goes on. */
    code: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ id: 'ReportOutcome' });
export type ReportOutcome = z.infer<typeof reportOutcomeSchema>;

export const reportResponseSchema = z
  .object({
    outcomes: z.array(reportOutcomeSchema),
    /** Runs of this agent the manager wants stopped (cancel, timeout). */
    cancels: z.array(z.number().int()),
    lease: leaseViewSchema,
    settings: agentSettingsSchema,
  })
  .meta({ id: 'ReportResponse' });
export type ReportResponse = z.infer<typeof reportResponseSchema>;

// ---- lease request: a secondary whose primary stopped answering ----
export const leaseRequestSchema = z
  .object({ reason: z.enum(['primary-unreachable', 'no-primary']), lastKnownEpoch: z.number().int().min(0) })
  .meta({ id: 'LeaseRequest' });
export const leaseResponseSchema = z
  .object({
    granted: z.boolean(),
    lease: leaseViewSchema,
    primary: zoneMemberSchema.nullable(),
  })
  .meta({ id: 'LeaseResponse' });
export type LeaseResponse = z.infer<typeof leaseResponseSchema>;

const runIdParamsSchema = z.object({ runId: idSchema });

export const agentProtocolRoutes = {
  join: defineRoute({
    id: 'agentJoin',
    method: 'POST',
    path: '/agent/v1/join',
    tag: 'Agent protocol',
    summary: 'Join a zone with an API key or join token; returns the agent credential once',
    access: 'public',
    body: joinRequestSchema,
    status: 201,
    response: joinResponseSchema,
  }),
  session: defineRoute({
    id: 'agentSession',
    method: 'POST',
    path: '/agent/v1/session',
    tag: 'Agent protocol',
    summary: 'Exchange the agent credential for a short-lived session token',
    access: 'public',
    body: sessionRequestSchema,
    status: 200,
    response: sessionResponseSchema,
  }),
  handshake: defineRoute({
    id: 'agentHandshake',
    method: 'POST',
    path: '/agent/v1/handshake',
    tag: 'Agent protocol',
    summary: 'Report identity and resources; learn role, lease, primary and settings',
    access: 'agent',
    body: handshakeRequestSchema,
    status: 200,
    response: handshakeResponseSchema,
  }),
  poll: defineRoute({
    id: 'agentPoll',
    method: 'POST',
    path: '/agent/v1/poll',
    tag: 'Agent protocol',
    summary: "The primary's long-poll for the zone's work; renews the lease (409 STALE_EPOCH when lost)",
    access: 'agent',
    body: pollRequestSchema,
    status: 200,
    response: pollResponseSchema,
  }),
  /**
   * An agent takes a run before it starts it: the manager records the acceptance (the run moves
   * `hand-over → wait-exec`) and answers the assignment with the credentials it needs. From then on
   * the run is never handed out again; if its agent is lost it is failed, not re-run (at most once
   * for anything that may have started). Accepting again a run this agent already accepted answers
   * the same: a retry after a lost answer.
   */
  acceptRun: defineRoute({
    id: 'agentAcceptRun',
    method: 'POST',
    path: '/agent/v1/runs/:runId/accept',
    tag: 'Agent protocol',
    summary:
      'Accept a run handed to this agent before starting it; returns its assignment with the credentials it needs',
    access: 'agent',
    params: runIdParamsSchema,
    status: 200,
    response: assignmentSchema,
  }),
  report: defineRoute({
    id: 'agentReport',
    method: 'POST',
    path: '/agent/v1/report',
    tag: 'Agent protocol',
    summary: 'Progress, results and log chunks; answers each item and carries cancels',
    access: 'agent',
    body: reportRequestSchema,
    status: 200,
    response: reportResponseSchema,
  }),
  lease: defineRoute({
    id: 'agentRequestLease',
    method: 'POST',
    path: '/agent/v1/lease',
    tag: 'Agent protocol',
    summary: 'Ask for the zone lease; granted only when the current one has expired',
    access: 'agent',
    body: leaseRequestSchema,
    status: 200,
    response: leaseResponseSchema,
  }),
} as const;
