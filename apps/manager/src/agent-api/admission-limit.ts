import { AppError } from '../common/errors/app-error';

/** Seconds a refused agent is asked to wait; agents add their own backoff and jitter on top. */
export const ADMISSION_RETRY_AFTER_SECONDS = 2;

/**
 * Bounds the joins and handshakes one manager serves at once. When a whole fleet (re)connects at
 * once — a manager restart, a network heal — every agent joins or handshakes within seconds; each
 * call holds a transaction and its request in memory, and thousands of them queued on the database
 * pushed the manager's memory past its budget (bench/README.md §2). Beyond the limit a call is
 * answered at once with 503 and Retry-After, which agents retry with backoff and jitter, so the
 * storm is spread out instead of piled up. Per process: each manager protects itself.
 */
export class AdmissionLimit {
  private inFlight = 0;

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.inFlight;
  }

  async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `The manager is busy admitting agents (${this.inFlight} joins and handshakes in flight); retry the ${what} in ${ADMISSION_RETRY_AFTER_SECONDS} s`,
        undefined,
        { 'Retry-After': String(ADMISSION_RETRY_AFTER_SECONDS) },
      );
    }
    this.inFlight += 1;
    try {
      return await call();
    } finally {
      this.inFlight -= 1;
    }
  }
}
