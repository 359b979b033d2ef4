/**
 * The console's access token lives in sessionStorage: it survives a reload but not the tab, and is
 * never written to a cookie, so the manager needs no CSRF defence for the console.
 */
const ACCESS_TOKEN_KEY = 'outpost.accessToken';

// Storage can throw (disabled storage, some private modes); the console then simply has no token.
export function readAccessToken(): string | null {
  try {
    return window.sessionStorage.getItem(ACCESS_TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeAccessToken(token: string): void {
  try {
    window.sessionStorage.setItem(ACCESS_TOKEN_KEY, token);
  } catch {
    // Signed in for this page only; a reload asks to sign in again.
  }
}

export function clearAccessToken(): void {
  try {
    window.sessionStorage.removeItem(ACCESS_TOKEN_KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
