import { z } from 'zod';

/** Numeric ids in paths (`/zones/12`): positive integers, so `abc` or `-1` is a 400, not a 404. */
export const idSchema = z.coerce.number().int().positive().max(2_147_483_647);

/** ISO-8601 timestamps on the wire, always UTC with milliseconds. */
export const timestampSchema = z.iso.datetime({ offset: true });

/** Labels (`env=prod`) on zones, agents and targets. */
export const labelKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,62}$/, 'label keys are letters, digits, _ . - / (max 63)');
export const labelsSchema = z
  .record(labelKeySchema, z.string().max(255))
  .refine((labels) => Object.keys(labels).length <= 32, 'at most 32 labels');
export type Labels = z.infer<typeof labelsSchema>;

/** Parses `k=v,k2=v2` (CLI flags, query strings) into labels. */
export function parseLabelList(text: string): Labels {
  const labels: Labels = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`label "${pair}" is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labelsSchema.parse(labels);
}

/** Booleans in query strings: `true`/`false`/`1`/`0`. */
export const queryBooleanSchema = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);
