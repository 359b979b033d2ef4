import {
  lanDispatchResponseSchema,
  lanPaths,
  lanPingResponseSchema,
  PROTOCOL_HEADER,
  AGENT_PROTOCOL_VERSION,
  type LanDispatchRequest,
  type LanPingResponse,
} from '@outpost/shared';
import { z } from 'zod';
import { httpCall, HttpTimeoutError, type HttpReply } from '../client/http-call';
import { signLanRequest } from './lan-signature';

/** The contract has no schema for the cancel answer; this is what LanServer sends. */
export const lanCancelResponseSchema = z.object({ canceled: z.boolean() });

export interface LanPeer {
  ip: string;
  port: number;
}

export class LanCallError extends Error {
  override readonly name = 'LanCallError';
}

export interface LanClientOptions {
  agentKey: () => string;
  key: () => Buffer | null;
  now?: () => number;
}

/** Signed calls to another agent of the zone. Nothing secret travels: only run ids and health. */
export class LanClient {
  private readonly now: () => number;

  constructor(private readonly options: LanClientOptions) {
    this.now = options.now ?? Date.now;
  }

  ping(peer: LanPeer, timeoutMs: number, signal?: AbortSignal): Promise<LanPingResponse> {
    return this.call(peer, 'GET', lanPaths.ping, undefined, lanPingResponseSchema, timeoutMs, signal);
  }

  dispatch(
    peer: LanPeer,
    request: LanDispatchRequest,
    timeoutMs: number,
  ): Promise<z.infer<typeof lanDispatchResponseSchema>> {
    return this.call(peer, 'POST', lanPaths.dispatch, request, lanDispatchResponseSchema, timeoutMs);
  }

  cancel(peer: LanPeer, runId: number, timeoutMs: number): Promise<z.infer<typeof lanCancelResponseSchema>> {
    return this.call(peer, 'POST', lanPaths.cancel, { runId }, lanCancelResponseSchema, timeoutMs);
  }

  private async call<S extends z.ZodType>(
    peer: LanPeer,
    method: 'GET' | 'POST',
    path: string,
    payload: unknown,
    schema: S,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<z.output<S>> {
    const key = this.options.key();
    if (!key) throw new LanCallError('no zone LAN secret yet');
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = {
      ...signLanRequest({ key, agentKey: this.options.agentKey(), method, path, body, now: this.now() }),
      [PROTOCOL_HEADER]: String(AGENT_PROTOCOL_VERSION),
    };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let response: HttpReply;
    try {
      response = await httpCall(`${peerBase(peer)}${path}`, {
        method,
        headers,
        body: payload === undefined ? undefined : body,
        timeoutMs,
        signal,
      });
    } catch (error) {
      throw new LanCallError(
        `${path} on ${peerBase(peer)}: ${error instanceof HttpTimeoutError ? 'timed out' : errorText(error)}`,
      );
    }
    if (!response.ok) throw new LanCallError(`${path} on ${peerBase(peer)}: HTTP ${response.status}`);
    let json: unknown;
    try {
      json = JSON.parse(response.text);
    } catch {
      throw new LanCallError(`${path} on ${peerBase(peer)}: reply is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new LanCallError(`${path} on ${peerBase(peer)}: unexpected reply`);
    return parsed.data;
  }
}

export function peerBase(peer: LanPeer): string {
  const host = peer.ip.includes(':') ? `[${peer.ip}]` : peer.ip;
  return `http://${host}:${peer.port}`;
}

/** The socket error's code (ECONNREFUSED, EHOSTUNREACH, ...), else its message. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const source = cause instanceof Error ? cause : error;
  const code = (source as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : source.message;
}
