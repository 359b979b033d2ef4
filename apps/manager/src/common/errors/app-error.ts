import type { ErrorCode, ProblemDetail } from '@outpost/shared';

/**
 * The one exception of the manager. Services throw it with a shared code and a message a user can
 * act on; the global filter turns it into the problem body with the status from `errorStatus`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ProblemDetail[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (code: ErrorCode, what: string, id: number | string): AppError =>
  new AppError(code, `${what} ${id} does not exist`);
