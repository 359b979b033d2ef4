import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const REQUEST_ID = Symbol('requestId');
type WithRequestId = Request & { [REQUEST_ID]?: string };

/** The response header that carries the request id. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A new request id. The manager makes its own: an id a client sends is not taken. */
export const newRequestId = (): string => randomUUID();

/** Every request gets an id, echoed in `X-Request-Id` and in every problem body. */
export function requestIdMiddleware(request: Request, response: Response, next: NextFunction): void {
  const id = newRequestId();
  (request as WithRequestId)[REQUEST_ID] = id;
  response.setHeader(REQUEST_ID_HEADER, id);
  next();
}

export function requestIdOf(request: Request): string {
  return (request as WithRequestId)[REQUEST_ID] ?? 'unknown';
}
