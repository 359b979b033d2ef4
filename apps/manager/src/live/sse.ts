/**
 * Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * fields, one per line, a blank line ends the message. A `data` value with newlines becomes
 * several `data:` lines, which the client joins back with newlines.
 */
export interface SseMessage {
  id?: number | string;
  event?: string;
  data: string;
}

/** Field values must not contain line breaks (they would start a new field). */
function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

export function formatSseMessage(message: SseMessage): string {
  let text = '';
  if (message.id !== undefined) text += `id: ${singleLine(String(message.id))}\n`;
  if (message.event !== undefined) text += `event: ${singleLine(message.event)}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

export function formatSseComment(comment: string): string {
  return `: ${singleLine(comment)}\n\n`;
}

/** Tells the client how long to wait before reconnecting. */
export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}
