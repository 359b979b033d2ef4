/** The agent protocol's limits on a status report (statusReportSchema): larger items are rejected. */
export const RESULT_MAX_CHARS = 1_000_000;
export const ERROR_MAX_CHARS = 10_000;

/** Shortens diagnostic text to the protocol's limit, saying so. */
export function clipError(text: string): string {
  if (text.length <= ERROR_MAX_CHARS) return text;
  const marker = ' … (cut)';
  return text.slice(0, ERROR_MAX_CHARS - marker.length) + marker;
}
