/** How webhooks and task callbacks are dispatched (OUTPOST_WEBHOOK_* variables). */
export interface WebhookSettings {
  /** Pause of the fan-out worker between passes when the outbox has nothing new. */
  fanoutIntervalMs: number;
  /** Pause of the delivery worker between looks for due deliveries. */
  deliveryIntervalMs: number;
  /** A receiver must answer (status line and headers) within this. */
  timeoutMs: number;
  /** Attempts before a delivery is dead (dead letter); redeliver starts a new round. */
  maxAttempts: number;
  /** Retry n waits about base × 2^(n-1), ±25 % jitter, at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Deliveries in flight at once, all receivers together; one receiver gets at most half. */
  concurrency: number;
  /** How long the fan-out waits for a missing outbox id (an open transaction) before passing it. */
  outboxGapWaitMs: number;
}

export const defaultWebhookSettings: WebhookSettings = {
  fanoutIntervalMs: 500,
  deliveryIntervalMs: 500,
  timeoutMs: 10_000,
  maxAttempts: 10,
  backoffBaseMs: 5_000,
  backoffMaxMs: 3_600_000,
  concurrency: 8,
  outboxGapWaitMs: 15_000,
};

/** In-flight deliveries one subscription may hold, so a slow receiver leaves room for the others. */
export function perSubscriptionLimit(settings: Pick<WebhookSettings, 'concurrency'>): number {
  return Math.max(1, Math.floor(settings.concurrency / 2));
}

/**
 * Delay before attempt `attempts + 1`, after `attempts` failed ones (≥ 1). Jitter spreads the
 * retries of many deliveries that failed together (a receiver that was down).
 */
export function retryDelayMs(
  settings: Pick<WebhookSettings, 'backoffBaseMs' | 'backoffMaxMs'>,
  attempts: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const nominal = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** exponent);
  return Math.round(Math.min(settings.backoffMaxMs, nominal * (0.75 + random() * 0.5)));
}
