import { type HttpMethod, problemSchema } from '@outpost/shared';
import type { z } from 'zod';
import { readAccessToken } from './access-token';
import { ApiError } from './api-error';

export interface ApiFetchOptions {
  method?: HttpMethod;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

function retryAfterOf(response: Response): number | null {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/** Turns a failed answer into an ApiError, from the shared problem body when there is one. */
async function toApiError(response: Response): Promise<ApiError> {
  const problem = problemSchema.safeParse(await readJson(response));
  if (problem.success) {
    const { code, message, details, requestId } = problem.data;
    return new ApiError(response.status, code, message, details ?? [], requestId, retryAfterOf(response));
  }
  // Not the manager's own answer (a proxy's error page, a gateway timeout...).
  const reason = `${response.status} ${response.statusText}`.trim();
  return new ApiError(
    response.status,
    'UNEXPECTED_RESPONSE',
    `The manager answered ${reason}`,
    [],
    response.headers.get('X-Request-Id'),
  );
}

/**
 * The console's one way to call the manager. Sends the access token when there is one, and checks
 * a success answer against the route's shared response schema, so a contract drift shows up as an
 * error here instead of as `undefined` deep inside a component. Abort errors pass through untouched
 * so TanStack Query can cancel queries.
 */
export function apiFetch<S extends z.ZodType>(
  path: string,
  options: ApiFetchOptions & { schema: S },
): Promise<z.output<S>>;
export function apiFetch(path: string, options?: ApiFetchOptions): Promise<void>;
export async function apiFetch(
  path: string,
  options: ApiFetchOptions & { schema?: z.ZodType } = {},
): Promise<unknown> {
  const headers = new Headers({ Accept: 'application/json' });
  const token = readAccessToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const init: RequestInit = { method: options.method ?? 'GET', headers, credentials: 'same-origin' };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(
      0,
      'NETWORK_ERROR',
      'The manager cannot be reached; check that it is running and the network is up',
    );
  }
  if (!response.ok) throw await toApiError(response);
  if (!options.schema) return undefined;

  const parsed = options.schema.safeParse(await readJson(response));
  if (!parsed.success) {
    throw new ApiError(
      response.status,
      'UNEXPECTED_RESPONSE',
      `The answer from ${path} does not match the API contract; the console and the manager may be of different versions`,
      [],
      response.headers.get('X-Request-Id'),
    );
  }
  return parsed.data;
}
