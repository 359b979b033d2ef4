import { type SecretMasker } from './secret-masker';

/** Target size of one log chunk; the protocol's hard limit is 32768 characters. */
export const CHUNK_MAX_CHARS = 16_384;
/** Buffered output goes out at least this often while a step runs. */
export const FLUSH_INTERVAL_MS = 250;

export interface LogChunkerOptions {
  maxChars?: number;
  intervalMs?: number;
}

type FlushReason = 'size' | 'timer' | 'final';

/**
 * Turns one output stream of a step into log chunks while the step runs: at most `maxChars` per
 * chunk, at least every `intervalMs`, whole lines when a chunk is cut for size. Secrets are masked
 * before anything leaves, and the tail that could be the start of a secret split across two reads
 * is held back until the next read (or the end) decides it.
 */
export class LogChunker {
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private ended = false;
  private readonly maxChars: number;
  private readonly intervalMs: number;

  constructor(
    private readonly masker: SecretMasker,
    private readonly emit: (content: string) => void,
    options: LogChunkerOptions = {},
  ) {
    this.maxChars = options.maxChars ?? CHUNK_MAX_CHARS;
    this.intervalMs = options.intervalMs ?? FLUSH_INTERVAL_MS;
  }

  write(text: string): void {
    if (this.ended || text === '') return;
    this.pending += text;
    if (this.pending.length >= this.maxChars) this.flush('size');
    else this.arm();
  }

  /** Releases everything left (masked) and stops the timer; later writes are ignored. */
  end(): void {
    if (this.ended) return;
    this.disarm();
    this.flush('final');
    this.ended = true;
  }

  private arm(): void {
    if (this.timer || this.pending === '') return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush('timer');
    }, this.intervalMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(reason: FlushReason): void {
    const text = this.pending;
    let cut = reason === 'final' ? text.length : this.masker.safeCut(text);
    if (reason === 'size' && cut > 0) {
      // Cut for size at a line end when the text has one; the partial line waits for the timer.
      const newline = text.lastIndexOf('\n', cut - 1);
      if (newline >= 0) {
        const lineCut = this.masker.avoidSplitting(text, newline + 1);
        if (lineCut > 0) cut = lineCut;
      }
    }
    if (cut > 0 && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
    if (cut > 0) {
      this.pending = text.slice(cut);
      this.disarm();
      for (const piece of splitChunk(this.masker.mask(text.slice(0, cut)), this.maxChars)) this.emit(piece);
    }
    // A partial line kept back after a size cut must still go out within the interval. A held
    // secret prefix waits for the next write or the end instead of re-arming forever.
    if (reason === 'size') this.arm();
  }
}

/** Splits already-masked text into pieces of at most `max` characters, at line ends when possible. */
export function splitChunk(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const newline = rest.lastIndexOf('\n', max - 1);
    let cut = newline >= 0 ? newline + 1 : max;
    if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut -= 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
