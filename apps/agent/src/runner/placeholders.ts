/** `{{KEY}}` with anything but braces inside; which keys exist decides what is replaced. */
const PLACEHOLDER = /\{\{([^{}]+)\}\}/g;

/**
 * Replaces `{{KEY}}` in a task parameter with the credential named KEY. One pass with a lookup, so
 * keys never become regular expressions (Klevr built one from each key), `$&` in a value stays
 * literal, a value that itself contains `{{OTHER}}` is not expanded again, and placeholders naming
 * no credential stay as they are.
 */
export function substitutePlaceholders(
  parameter: string,
  credentials: Readonly<Record<string, string>>,
): string {
  return parameter.replace(PLACEHOLDER, (placeholder: string, key: string) =>
    Object.prototype.hasOwnProperty.call(credentials, key) ? credentials[key] : placeholder,
  );
}
