import { createHash, timingSafeEqual } from 'node:crypto';

/** No token configured: public. Otherwise `Bearer <token>`, compared in constant time. */
export function checkMetricsToken(expected: string | null, authorization: string | undefined): boolean {
  if (expected === null) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!given) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
