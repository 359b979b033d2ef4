/**
 * Quotes a value for a POSIX shell: single quotes, with each embedded single quote closed,
 * escaped and reopened. Nothing inside single quotes is expanded, so no value can inject a
 * command (Klevr built its install command by plain string replacement).
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
