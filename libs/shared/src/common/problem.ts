import { z } from 'zod';
import { errorCodes } from './error-codes';

/** One failing input, by its JSON path (`steps.0.command`) so forms can point at the field. */
export const problemDetailSchema = z.object({
  path: z.string(),
  message: z.string(),
});
export type ProblemDetail = z.infer<typeof problemDetailSchema>;

/**
 * The one error body of every API. A 5xx carries only a generic message and the request id, which
 * is also in the manager's log next to the error's message (never a stack trace).
 */
export const problemSchema = z
  .object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.array(problemDetailSchema).optional(),
    requestId: z.string(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;
