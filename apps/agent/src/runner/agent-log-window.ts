import { open } from 'node:fs/promises';

export interface LogWindow {
  logs: string;
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of a log file from its start (OLDEST) or its end (LATEST) without
 * loading the rest. A multi-byte character cut by the window is dropped rather than mangled.
 */
export async function readLogWindow(
  file: string,
  sort: 'OLDEST' | 'LATEST',
  maxBytes: number,
): Promise<LogWindow> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, sort === 'OLDEST' ? 0 : size - length);
    let bytes: Buffer = buffer.subarray(0, bytesRead);
    const truncated = size > maxBytes;
    if (truncated) bytes = sort === 'OLDEST' ? dropPartialTail(bytes) : dropPartialHead(bytes);
    return { logs: bytes.toString('utf8'), truncated };
  } finally {
    await handle.close();
  }
}

/**
 * Shortens the window until `encodedLength` of it fits `maxChars`, from the side the window was
 * cut on (its end for OLDEST, its start for LATEST).
 */
export function fitLogWindow(
  window: LogWindow,
  sort: 'OLDEST' | 'LATEST',
  maxChars: number,
  encodedLength: (w: LogWindow) => number,
): LogWindow {
  let current = window;
  for (let over = encodedLength(current) - maxChars; over > 0; over = encodedLength(current) - maxChars) {
    const keep = Math.max(0, current.logs.length - over);
    const logs =
      sort === 'OLDEST' ? current.logs.slice(0, keep) : current.logs.slice(current.logs.length - keep);
    current = { logs: wellFormed(logs), truncated: true };
  }
  return current;
}

function isContinuation(byte: number): boolean {
  return (byte & 0xc0) === 0x80;
}

function dropPartialHead(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && start < 3 && isContinuation(bytes[start])) start += 1;
  return bytes.subarray(start);
}

function dropPartialTail(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back];
    if (isContinuation(byte)) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/** Drops a lone surrogate left at either end by a slice. */
function wellFormed(text: string): string {
  let out = text;
  if (out.length > 0 && out.charCodeAt(0) >= 0xdc00 && out.charCodeAt(0) <= 0xdfff) out = out.slice(1);
  const last = out.charCodeAt(out.length - 1);
  if (out.length > 0 && last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}
