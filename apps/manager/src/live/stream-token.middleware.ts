import type { NextFunction, Request, Response } from 'express';

/**
 * EventSource cannot send headers, so the live stream also takes the token from `access_token`.
 * Applied to that route only: the token becomes the Authorization header the AuthGuard reads, and
 * everything else (roles, expiry, API tokens) is checked as usual. A header, when sent, wins.
 * Tokens in URLs end up in logs, so nothing in the manager logs this route's query string.
 */
export function streamTokenFromQuery(request: Request, _response: Response, next: NextFunction): void {
  const token = request.query['access_token'];
  if (!request.headers.authorization && typeof token === 'string' && token !== '') {
    request.headers.authorization = `Bearer ${token}`;
  }
  next();
}
