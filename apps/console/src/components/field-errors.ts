import { ApiError } from '../api/api-error';

/**
 * The manager's validation details by form field: `body.steps.0.command` → `steps.0.command`. The
 * first message per field wins; details about the whole body land under `''`.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const byField: Record<string, string> = {};
  for (const detail of error.details) {
    const key = detail.path.replace(/^body(\.|$)/, '');
    byField[key] ??= detail.message;
  }
  return byField;
}
