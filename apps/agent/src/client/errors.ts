import type { ProblemDetail } from '@outpost/shared';

/** The manager answered with an error status (its problem body parsed, when it had one). */
export class ManagerHttpError extends Error {
  override readonly name = 'ManagerHttpError';
  constructor(
    readonly routeId: string,
    readonly status: number,
    readonly code: string | null,
    readonly problemMessage: string,
    readonly details: readonly ProblemDetail[] = [],
  ) {
    super(`${routeId}: HTTP ${status}${code ? ` ${code}` : ''}: ${problemMessage}`);
  }
}

/** No answer: connection refused or reset, DNS failure, TLS failure, timeout. */
export class ManagerUnreachableError extends Error {
  override readonly name = 'ManagerUnreachableError';
  constructor(
    readonly routeId: string,
    reason: string,
  ) {
    super(`${routeId}: manager unreachable: ${reason}`);
  }
}

/** A success status whose body does not match the contract (a manager bug or a proxy in the way). */
export class ManagerReplyError extends Error {
  override readonly name = 'ManagerReplyError';
  constructor(
    readonly routeId: string,
    reason: string,
  ) {
    super(`${routeId}: reply does not match the agent protocol: ${reason}`);
  }
}

/** The call was stopped by the agent itself (shutdown, demotion); never retried. */
export class CallAbortedError extends Error {
  override readonly name = 'CallAbortedError';
  constructor(readonly routeId: string) {
    super(`${routeId}: aborted`);
  }
}

export function isStaleEpoch(error: unknown): boolean {
  return (
    error instanceof ManagerHttpError &&
    (error.code === 'STALE_EPOCH' || (error.status === 409 && error.code === null))
  );
}
