import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { PROTOCOL_HEADER, type RouteBody, type RouteDefinition, type RouteResponse } from '@outpost/shared';
import type { AgentPrincipal } from '../auth/agent-principal';
import { authenticateAgent } from '../auth/auth.guard';
import { AGENT_PROTOCOL_PREFIX, protocolMismatch } from '../auth/protocol-version.guard';
import type { Clock } from '../clock/clock';
import { problemFor } from '../errors/problem.filter';
import type { AppConfig } from '../../config/config.schema';
import { checkResponse, hasNonJsonBody, parsePart, unsupportedMediaType } from './contract.interceptor';
import { isClientGone, jsonBodyReader } from './json-body';
import { newRequestId, REQUEST_ID_HEADER } from './request-id';
import { SECURITY_HEADERS } from './security-headers';

/*
 * The agent lane: a few `agent` routes of the agent protocol served straight from node:http, ahead
 * of Express, on the same server.
 *
 * Why: ARCHITECTURE §10 asks one manager to serve the primary's poll at ≥ 50% of the request rate of
 * a bare node:http server in the same run. Express 5 alone, parsing JSON and answering, reaches
 * about 0.29 of bare node; through NestJS (router, guards, rxjs interceptors) the poll reached
 * 0.067. No route served through Express can meet the budget, so the hot routes skip it (bench
 * README §1).
 *
 * What stays the same: every step is the code the Nest path runs — Express's own JSON parser
 * (json-body.ts), the shared route definition
 * (paths with aliases, body schema, status, response schema), the protocol-version check, the agent
 * token check, the contract's input validation and its response check (when responses are checked),
 * the one problem mapping, the request id and the security headers, in the order Express and Nest
 * apply them: body (malformed 400, too large 413, bad encoding 415), protocol version (400), token
 * (401), non-JSON body (415), schema (400), then the service.
 *
 * What it leaves out, on purpose: CORS (agent routes are not browser routes: with no
 * OUTPOST_CORS_ORIGINS the manager sends no CORS headers anywhere; with some, a browser can still
 * preflight these paths through Express but cannot read an answer of the lane), the weak ETag Express
 * puts on every JSON answer (meaningless on a POST), and the audit (it records users' changes, never
 * agent calls). The manager keeps no per-request HTTP metrics.
 */

/** Answers true when it took the request; false leaves it untouched for the next listener. */
export type LaneHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface LaneCall {
  /**
   * Fires when the client goes away before its answer was sent (made on first use). The response's
   * 'close' and not the request's: since Node 16 a request emits 'close' once its body was read.
   */
  clientGone(): AbortSignal;
}

export interface LaneRoute {
  readonly definition: RouteDefinition;
  handle(agent: AgentPrincipal, body: unknown, call: LaneCall): Promise<unknown>;
}

/** Binds a handler to an `agent` route with a JSON body; the handler gets the body its schema parsed. */
export function laneRoute<D extends RouteDefinition>(
  definition: D,
  handle: (agent: AgentPrincipal, body: RouteBody<D>, call: LaneCall) => Promise<RouteResponse<D>>,
): LaneRoute {
  // The lane calls `handle` only with what `definition.body` parsed, hence the cast.
  return { definition, handle: (agent, body, call) => handle(agent, body as RouteBody<D>, call) };
}

export interface AgentLaneOptions {
  config: Pick<AppConfig, 'jwtSecret' | 'bodyLimitBytes' | 'validateResponses'>;
  /** Read on every call, so a test that swaps the app's clock swaps it here too. */
  clock: Clock;
}

/** Passed to abort(): without a reason it builds a DOMException with a stack trace. */
const CLIENT_GONE = 'client gone';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const SECURITY_HEADER_LIST = SECURITY_HEADERS.flat();

function checkRoute(definition: RouteDefinition): void {
  const paths = [definition.path, ...(definition.aliases ?? [])];
  const unfit =
    definition.access !== 'agent' ||
    !definition.body ||
    definition.params ||
    definition.query ||
    paths.some((path) => !path.startsWith(AGENT_PROTOCOL_PREFIX) || path.includes(':'));
  if (unfit) {
    throw new Error(
      `route ${definition.id} does not fit the agent lane: it serves agent routes with a JSON body and fixed paths only`,
    );
  }
}

function reply(
  response: ServerResponse,
  requestId: string,
  status: number,
  value: unknown,
  extraHeaders?: Record<string, string>,
): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(value);
  const headers = [
    REQUEST_ID_HEADER,
    requestId,
    ...SECURITY_HEADER_LIST,
    'Content-Type',
    JSON_CONTENT_TYPE,
    'Content-Length',
    String(Buffer.byteLength(text)),
  ];
  if (extraHeaders)
    for (const [name, headerValue] of Object.entries(extraHeaders)) headers.push(name, headerValue);
  response.writeHead(status, headers);
  response.end(text);
}

function callOf(response: ServerResponse): LaneCall {
  let gone: AbortController | undefined;
  return {
    clientGone() {
      if (!gone) {
        const controller = new AbortController();
        response.once('close', () => {
          if (!response.writableFinished) controller.abort(CLIENT_GONE);
        });
        gone = controller;
      }
      return gone.signal;
    },
  };
}

/**
 * The lane for these routes: it takes a request whose method and path (or alias) are one of
 * theirs — matched as Express matches them: case-insensitive, an optional trailing slash, the query
 * string ignored — and leaves every other request alone.
 */
export function createAgentLane(routes: readonly LaneRoute[], options: AgentLaneOptions): LaneHandler {
  const { config, clock } = options;
  const logger = new Logger('Problem');
  const readBody = jsonBodyReader(config.bodyLimitBytes);
  const byTarget = new Map<string, LaneRoute>();
  const methods = new Set<string>();
  for (const route of routes) {
    checkRoute(route.definition);
    methods.add(route.definition.method);
    for (const path of [route.definition.path, ...(route.definition.aliases ?? [])]) {
      byTarget.set(`${route.definition.method} ${path.toLowerCase()}`, route);
    }
  }

  const routeOf = (method: string, url: string): LaneRoute | undefined => {
    if (!methods.has(method)) return undefined;
    const exact = byTarget.get(`${method} ${url}`);
    if (exact) return exact;
    const query = url.indexOf('?');
    let path = query === -1 ? url : url.slice(0, query);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    return byTarget.get(`${method} ${path.toLowerCase()}`);
  };

  const serve = async (route: LaneRoute, request: IncomingMessage, response: ServerResponse) => {
    const requestId = newRequestId();
    try {
      const raw = await readBody(request, response);
      const mismatch = protocolMismatch(request.headers[PROTOCOL_HEADER]);
      if (mismatch) throw mismatch;
      const agent = authenticateAgent(request.headers.authorization, {
        jwtSecret: config.jwtSecret,
        now: clock.now(),
      });
      if (hasNonJsonBody(request.headers)) throw unsupportedMediaType();
      const body = parsePart(route.definition.body, raw === undefined ? {} : raw, 'body');
      const answer = await route.handle(agent, body, callOf(response));
      if (config.validateResponses) checkResponse(route.definition, answer);
      reply(response, requestId, route.definition.status, answer);
    } catch (error) {
      if (isClientGone(error)) return;
      const problem = problemFor(error, requestId, logger);
      reply(response, requestId, problem.status, problem.body, problem.headers);
    }
  };

  return (request, response) => {
    const route = routeOf(request.method ?? '', request.url ?? '');
    if (!route) return false;
    void serve(route, request, response);
    return true;
  };
}

/**
 * Puts the lane ahead of the server's request listeners (Express, under Nest): the lane sees every
 * request first and hands the rest to them untouched. Done on the server itself, so `app.listen()`
 * and tests that serve `app.getHttpServer()` both get it.
 */
export function mountAhead(server: Server, lane: LaneHandler): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (lane(request, response)) return;
    for (const listener of listeners) listener.call(server, request, response);
  });
}
