import type { ErrorCode, ProblemDetail } from '@outpost/shared';

/** Codes the console assigns itself when no problem body came back from the manager. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';

/**
 * Every failed API call becomes one of these. Code branches on `code` (never on the message);
 * forms point at fields through `details`; `requestId` is what an operator quotes from the log.
 */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the manager could not be reached at all. */
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details: readonly ProblemDetail[] = [],
    readonly requestId: string | null = null,
    /** From a 429's Retry-After header: seconds until trying again makes sense. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isApiError(error: unknown, code?: ApiError['code']): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** One line for the page: the message, and the request id when the manager gave one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    return error.requestId ? `${error.message} (request id ${error.requestId})` : error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong';
}
