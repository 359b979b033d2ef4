/** How one step ended. A failed step carries the text that goes into the run's `error`. */
export type StepOutcome = { ok: true; result: string } | { ok: false; error: string };
