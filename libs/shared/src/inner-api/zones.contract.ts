import { z } from 'zod';
import { idSchema, labelsSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';

export const zoneSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    platform: z.string(),
    labels: z.record(z.string(), z.string()),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Zone' });
export type Zone = z.infer<typeof zoneSchema>;

/** What belongs to a zone: shown before a delete so the operator knows what goes with it. */
export const zoneContentsSchema = z
  .object({
    agents: z.number().int(),
    onlineAgents: z.number().int(),
    tasks: z.number().int(),
    activeTasks: z.number().int(),
    credentials: z.number().int(),
    apiKeys: z.number().int(),
  })
  .meta({ id: 'ZoneContents' });
export type ZoneContents = z.infer<typeof zoneContentsSchema>;

export const zoneDetailSchema = zoneSchema
  .extend({ contents: zoneContentsSchema })
  .meta({ id: 'ZoneDetail' });
export type ZoneDetail = z.infer<typeof zoneDetailSchema>;

const zoneNameSchema = z.string().trim().min(1, 'name must not be empty').max(100);
const platformSchema = z.string().trim().min(1).max(45);

/** Klevr clients send `groupName`; it is accepted as the zone's name. */
function acceptKlevrGroupName(input: unknown): unknown {
  if (
    input &&
    typeof input === 'object' &&
    !Array.isArray(input) &&
    'groupName' in input &&
    !('name' in input)
  ) {
    const { groupName, ...rest } = input as Record<string, unknown>;
    return { ...rest, name: groupName };
  }
  return input;
}

export const createZoneRequestSchema = z
  .preprocess(
    acceptKlevrGroupName,
    z.object({
      name: zoneNameSchema,
      platform: platformSchema.default('linux'),
      labels: labelsSchema.default({}),
    }),
  )
  .meta({ id: 'CreateZoneRequest' });
export type CreateZoneRequest = z.infer<typeof createZoneRequestSchema>;

export const updateZoneRequestSchema = z
  .object({ name: zoneNameSchema, platform: platformSchema, labels: labelsSchema })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one of name, platform, labels')
  .meta({ id: 'UpdateZoneRequest' });
export type UpdateZoneRequest = z.infer<typeof updateZoneRequestSchema>;

export const zoneIdParamsSchema = z.object({ zoneId: idSchema });

export const listZonesQuerySchema = pageQuerySchema.extend({
  name: z.string().max(100).optional().describe('Only zones whose name contains this text'),
});

export const deleteZoneResponseSchema = z
  .object({ deleted: z.literal(true), removed: zoneContentsSchema })
  .meta({ id: 'DeleteZoneResponse' });

export const zoneRoutes = {
  create: defineRoute({
    id: 'createZone',
    method: 'POST',
    path: '/api/v1/zones',
    aliases: ['/inner/groups'],
    tag: 'Zones',
    summary: 'Create a zone',
    access: 'operator',
    body: createZoneRequestSchema,
    status: 201,
    response: zoneSchema,
  }),
  list: defineRoute({
    id: 'listZones',
    method: 'GET',
    path: '/api/v1/zones',
    aliases: ['/inner/groups'],
    tag: 'Zones',
    summary: 'List zones',
    access: 'viewer',
    query: listZonesQuerySchema,
    status: 200,
    response: pageOf(zoneSchema),
  }),
  get: defineRoute({
    id: 'getZone',
    method: 'GET',
    path: '/api/v1/zones/:zoneId',
    aliases: ['/inner/groups/:zoneId'],
    tag: 'Zones',
    summary: 'Get a zone with counts of what belongs to it',
    access: 'viewer',
    params: zoneIdParamsSchema,
    status: 200,
    response: zoneDetailSchema,
  }),
  update: defineRoute({
    id: 'updateZone',
    method: 'PATCH',
    path: '/api/v1/zones/:zoneId',
    tag: 'Zones',
    summary: 'Rename a zone or change its platform or labels',
    access: 'operator',
    params: zoneIdParamsSchema,
    body: updateZoneRequestSchema,
    status: 200,
    response: zoneSchema,
  }),
  delete: defineRoute({
    id: 'deleteZone',
    method: 'DELETE',
    path: '/api/v1/zones/:zoneId',
    aliases: ['/inner/groups/:zoneId'],
    tag: 'Zones',
    summary: 'Delete a zone and everything that belongs to it',
    description:
      'Refused with 409 ZONE_NOT_EMPTY while agents are online or tasks are in flight; otherwise the zone, its agents, API keys, join tokens, tasks (with steps, runs and logs) and credentials are deleted together. Events stay.',
    access: 'operator',
    params: zoneIdParamsSchema,
    status: 200,
    response: deleteZoneResponseSchema,
  }),
} as const;
