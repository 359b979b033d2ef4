/**
 * The AMQP URL without its password, for logs and errors. A URL that does not parse is hidden
 * whole: it may still contain the secret.
 */
export function redactAmqpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid AMQP URL>';
  }
}

/** Removes the URL's password (raw and percent-decoded) from a message that may quote it. */
export function scrubSecret(message: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return message.split(url).join('<AMQP URL>');
  }
  if (!password) return message;
  let scrubbed = message.split(password).join('***');
  const decoded = safeDecode(password);
  if (decoded && decoded !== password) scrubbed = scrubbed.split(decoded).join('***');
  return scrubbed;
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
