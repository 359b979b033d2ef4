import {
  AGENT_PROTOCOL_VERSION,
  agentProtocolRoutes,
  assignmentSchema,
  handshakeResponseSchema,
  joinResponseSchema,
  leaseResponseSchema,
  pollResponseSchema,
  problemDetailSchema,
  PROTOCOL_HEADER,
  reportResponseSchema,
  sessionResponseSchema,
  type Assignment,
  type HandshakeRequest,
  type HandshakeResponse,
  type JoinRequest,
  type JoinResponse,
  type LeaseResponse,
  type PollRequest,
  type PollResponse,
  type ReportRequest,
  type ReportResponse,
  type RouteDefinition,
} from '@outpost/shared';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import { AGENT_VERSION } from '../version';
import { CallAbortedError, ManagerHttpError, ManagerReplyError, ManagerUnreachableError } from './errors';
import { describeHttpError, httpCall, HttpTimeoutError, type HttpReply } from './http-call';

const routes = agentProtocolRoutes;

/** Error bodies are read leniently: a code this agent does not know yet must still be shown. */
const problemBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(problemDetailSchema).optional(),
});

export type LeaseRequestBody = z.input<typeof routes.lease.body>;

export interface ManagerClientOptions {
  managerUrl: string;
  logger: Logger;
  /** Per-call timeout; polls get the manager's hold time on top. */
  requestTimeoutMs?: number;
  now?: () => number;
  /** Registers secrets (session tokens) with the logger's masking. */
  onSecret?: (secret: string) => void;
}

interface CallInput {
  params?: Record<string, string | number>;
  body?: unknown;
  token?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface Session {
  token: string;
  renewAt: number;
}

/**
 * Typed calls for every agent route. Each reply is parsed with the shared schema; each call carries
 * the protocol version. The session token is fetched lazily, renewed when three quarters of its
 * life have passed, and once more after a 401. Calls make one attempt: callers retry through
 * `withRetry`/`classifyError`, so there is one retry policy.
 */
export class ManagerClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private credentials: { agentKey: string; credential: string } | null = null;
  private session: Session | null = null;
  private sessionInFlight: Promise<string> | null = null;

  constructor(private readonly options: ManagerClientOptions) {
    this.baseUrl = options.managerUrl.replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  get managerUrl(): string {
    return this.baseUrl;
  }

  setCredentials(agentKey: string, credential: string): void {
    this.credentials = { agentKey, credential };
    this.session = null;
  }

  join(body: JoinRequest, signal?: AbortSignal): Promise<JoinResponse> {
    return this.send(routes.join, joinResponseSchema, { body, signal });
  }

  handshake(body: HandshakeRequest, signal?: AbortSignal): Promise<HandshakeResponse> {
    return this.authed(routes.handshake, handshakeResponseSchema, { body, signal });
  }

  /** The primary's long-poll: the timeout allows for the manager holding it `waitMs`. */
  poll(body: PollRequest, options: { signal?: AbortSignal; waitMs: number }): Promise<PollResponse> {
    return this.authed(routes.poll, pollResponseSchema, {
      body,
      signal: options.signal,
      timeoutMs: this.timeoutMs + options.waitMs,
    });
  }

  /** Takes a run before starting it: the manager records the acceptance and answers the assignment. */
  acceptRun(runId: number, signal?: AbortSignal): Promise<Assignment> {
    return this.authed(routes.acceptRun, assignmentSchema, { params: { runId }, signal });
  }

  report(body: ReportRequest, signal?: AbortSignal): Promise<ReportResponse> {
    return this.authed(routes.report, reportResponseSchema, { body, signal });
  }

  requestLease(body: LeaseRequestBody, signal?: AbortSignal): Promise<LeaseResponse> {
    return this.authed(routes.lease, leaseResponseSchema, { body, signal });
  }

  /** Drops the session so the next call fetches a new one. */
  forgetSession(): void {
    this.session = null;
  }

  private async authed<S extends z.ZodType>(
    route: RouteDefinition,
    schema: S,
    input: CallInput,
  ): Promise<z.output<S>> {
    const token = await this.sessionToken(input.signal);
    try {
      return await this.send(route, schema, { ...input, token });
    } catch (error) {
      if (!(error instanceof ManagerHttpError) || error.status !== 401) throw error;
      // The token expired early or the manager restarted with a new key: renew once, try once more.
      this.options.logger.debug('session refused; renewing it', { route: route.id });
      this.session = null;
      const renewed = await this.sessionToken(input.signal);
      return this.send(route, schema, { ...input, token: renewed });
    }
  }

  private sessionToken(signal?: AbortSignal): Promise<string> {
    if (this.session && this.now() < this.session.renewAt) return Promise.resolve(this.session.token);
    // One renewal at a time, whoever asks first; everyone else waits for the same answer.
    this.sessionInFlight ??= this.renewSession(signal).finally(() => {
      this.sessionInFlight = null;
    });
    return this.sessionInFlight;
  }

  private async renewSession(signal?: AbortSignal): Promise<string> {
    if (!this.credentials) throw new Error('the agent has no credential yet (join first)');
    const started = this.now();
    const reply = await this.send(routes.session, sessionResponseSchema, { body: this.credentials, signal });
    this.options.onSecret?.(reply.token);
    const lifetime = Date.parse(reply.expiresAt) - started;
    // A skewed clock can make the expiry look past or absurd; then renew again after a minute.
    const usable = Number.isFinite(lifetime) && lifetime > 10_000 ? lifetime : 60_000;
    this.session = { token: reply.token, renewAt: started + Math.floor(usable * 0.75) };
    return reply.token;
  }

  private async send<S extends z.ZodType>(
    route: RouteDefinition,
    schema: S,
    input: CallInput,
  ): Promise<z.output<S>> {
    const path = route.path.replace(/:([A-Za-z]+)/g, (_, name: string) =>
      encodeURIComponent(String(input.params?.[name] ?? '')),
    );
    const headers: Record<string, string> = {
      accept: 'application/json',
      [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION),
      'user-agent': `outpost-agent/${AGENT_VERSION}`,
    };
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    if (input.token) headers.authorization = `Bearer ${input.token}`;

    let response: HttpReply;
    try {
      response = await httpCall(`${this.baseUrl}${path}`, {
        method: route.method,
        headers,
        body: input.body === undefined ? undefined : JSON.stringify(input.body),
        timeoutMs: input.timeoutMs ?? this.timeoutMs,
        signal: input.signal,
      });
    } catch (error) {
      if (input.signal?.aborted) throw new CallAbortedError(route.id);
      if (error instanceof HttpTimeoutError) throw new ManagerUnreachableError(route.id, 'timed out');
      throw new ManagerUnreachableError(route.id, describeHttpError(error));
    }

    const json = parseJson(response.text);
    if (!response.ok) {
      const problem = problemBodySchema.safeParse(json);
      if (problem.success) {
        throw new ManagerHttpError(
          route.id,
          response.status,
          problem.data.code,
          problem.data.message,
          problem.data.details ?? [],
        );
      }
      throw new ManagerHttpError(route.id, response.status, null, response.statusText || 'no problem body');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ManagerReplyError(
        route.id,
        first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid body',
      );
    }
    return parsed.data;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
