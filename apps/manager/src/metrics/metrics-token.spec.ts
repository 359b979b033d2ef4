import { describe, expect, it } from 'vitest';
import { checkMetricsToken } from './metrics-token';

describe('checkMetricsToken', () => {
  it('lets everyone in when no token is configured', () => {
    expect(checkMetricsToken(null, undefined)).toBe(true);
  });

  it('needs the configured token as a bearer token', () => {
    const token = 'metrics-token-0123456789';
    expect(checkMetricsToken(token, `Bearer ${token}`)).toBe(true);
    expect(checkMetricsToken(token, `bearer ${token}`)).toBe(true);
    expect(checkMetricsToken(token, undefined)).toBe(false);
    expect(checkMetricsToken(token, token)).toBe(false);
    expect(checkMetricsToken(token, 'Bearer wrong-token')).toBe(false);
    expect(checkMetricsToken(token, `Bearer ${token}x`)).toBe(false);
  });
});
