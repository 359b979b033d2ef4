import { Injectable } from '@nestjs/common';

export interface SignedRequest {
  url: string;
  /** Sent byte for byte as signed. */
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborted when the worker stops or loses its lock: the attempt does not count. */
  signal: AbortSignal;
}

export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'failed'; status: number | null; error: string }
  | { kind: 'aborted' };

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
};

function codeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A short reason for a failed attempt, built from the error code only: library messages can quote
 * the URL (which may hold a token in its query) and are never stored or logged.
 */
export function describeSendError(error: unknown, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const code = codeOf(error);
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  if (code && /^[A-Z0-9_]{2,40}$/.test(code)) return `network error (${code})`;
  return 'network error';
}

/**
 * POSTs one signed delivery. 2xx is delivered; anything else (a redirect too: it is not followed,
 * the signature is for this URL) is a failure. The response body is never read, only discarded.
 */
@Injectable()
export class WebhookSender {
  async send(request: SignedRequest): Promise<SendOutcome> {
    if (request.signal.aborted) return { kind: 'aborted' };
    const timeout = AbortSignal.timeout(request.timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        body: request.body,
        headers: request.headers,
        redirect: 'manual',
        signal: AbortSignal.any([request.signal, timeout]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300)
        return { kind: 'delivered', status: response.status };
      return {
        kind: 'failed',
        status: response.status || null,
        error: response.status ? `HTTP ${response.status}` : 'redirect not followed',
      };
    } catch (error) {
      if (request.signal.aborted && !timeout.aborted) return { kind: 'aborted' };
      return {
        kind: 'failed',
        status: null,
        error: describeSendError(error, request.timeoutMs, timeout.aborted),
      };
    }
  }
}
