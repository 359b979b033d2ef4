/** What a masked secret becomes in logs, results and errors. */
export const MASK = '***';
/** Shorter values are not masked: masking "a" or "on" would shred every log. */
export const MIN_MASKED_LENGTH = 4;

interface Interval {
  start: number;
  end: number;
}

/**
 * Hides credential values in text that leaves the agent. Every character that belongs to any
 * occurrence of any secret is covered (overlapping secrets included), and each covered stretch
 * becomes one `***`. Values are matched as plain strings, never as regular expressions.
 */
export class SecretMasker {
  private readonly secrets: readonly string[];
  /** The longest secret's length; a stream must hold back up to this minus one character. */
  readonly longest: number;

  constructor(values: Iterable<string>) {
    const unique = new Set<string>();
    for (const value of values) if (value.length >= MIN_MASKED_LENGTH) unique.add(value);
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
    this.longest = this.secrets.length > 0 ? this.secrets[0].length : 0;
  }

  get isEmpty(): boolean {
    return this.secrets.length === 0;
  }

  mask(text: string): string {
    if (this.isEmpty || text.length < MIN_MASKED_LENGTH) return text;
    const covered = this.coveredIntervals(text);
    if (covered.length === 0) return text;
    let out = '';
    let at = 0;
    for (const { start, end } of covered) {
      out += text.slice(at, start) + MASK;
      at = end;
    }
    return out + text.slice(at);
  }

  maskNullable(text: string | null): string | null {
    return text === null ? null : this.mask(text);
  }

  /** Sorted, merged stretches of `text` covered by complete secret occurrences. */
  coveredIntervals(text: string): Interval[] {
    const found: Interval[] = [];
    for (const secret of this.secrets) {
      let from = text.indexOf(secret);
      while (from !== -1) {
        found.push({ start: from, end: from + secret.length });
        from = text.indexOf(secret, from + 1);
      }
    }
    found.sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const interval of found) {
      const last = merged[merged.length - 1];
      if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
      else merged.push({ ...interval });
    }
    return merged;
  }

  /**
   * The largest prefix length of `text` that can be released now: text after it might be the
   * start of a secret that the next data completes, and no complete occurrence is cut in two.
   */
  safeCut(text: string, wanted: number = text.length): number {
    let cut = Math.min(wanted, text.length);
    if (this.isEmpty) return cut;
    // Hold back the earliest tail that is a proper prefix of some secret. The first-character
    // test keeps this near-linear on busy output.
    let hold = text.length;
    for (const secret of this.secrets) {
      const first = secret.charCodeAt(0);
      for (let start = Math.max(0, text.length - secret.length + 1); start < hold; start += 1) {
        if (
          text.charCodeAt(start) === first &&
          text.startsWith(secret.slice(0, text.length - start), start)
        ) {
          hold = start;
          break;
        }
      }
    }
    cut = Math.min(cut, hold);
    return this.avoidSplitting(text, cut);
  }

  /** Moves `cut` back to the start of the covered stretch it falls in, if any. */
  avoidSplitting(text: string, cut: number): number {
    for (const { start, end } of this.coveredIntervals(text)) {
      if (start < cut && cut < end) return start;
    }
    return cut;
  }
}
