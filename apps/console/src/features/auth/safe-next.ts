/** Only a path of this console is a place to return to (never `//evil.example` or a full URL). */
export function safeNextPath(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/zones';
  return next;
}
