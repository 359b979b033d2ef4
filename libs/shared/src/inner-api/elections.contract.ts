import { z } from 'zod';
import { timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';
import { zoneIdParamsSchema } from './zones.contract';

export const electionReasons = ['first-primary', 'primary-unreachable', 'lease-expired'] as const;
export type ElectionReason = (typeof electionReasons)[number];

/** One change of a zone's primary: who got the lease, from whom, under which fencing epoch, and why. */
export const primaryElectionSchema = z
  .object({
    id: z.number().int(),
    zoneId: z.number().int(),
    epoch: z.number().int(),
    agentKey: z.string().nullable().describe('null once that agent was deleted'),
    previousAgentKey: z.string().nullable().describe('null for the first primary of the zone'),
    reason: z.string().describe(`One of ${electionReasons.join(', ')}`),
    electedAt: timestampSchema,
  })
  .meta({ id: 'PrimaryElection' });
export type PrimaryElection = z.infer<typeof primaryElectionSchema>;

export const electionRoutes = {
  list: defineRoute({
    id: 'listZoneElections',
    method: 'GET',
    path: '/api/v1/zones/:zoneId/elections',
    tag: 'Agents',
    summary: "History of the zone's primary elections, newest first",
    access: 'viewer',
    params: zoneIdParamsSchema,
    query: pageQuerySchema,
    status: 200,
    response: pageOf(primaryElectionSchema),
  }),
} as const;
