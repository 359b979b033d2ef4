import { z } from 'zod';
import { idSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';
import { zoneIdParamsSchema } from './zones.contract';

export const agentStates = ['new', 'online', 'suspect', 'offline', 'retired'] as const;
export type AgentState = (typeof agentStates)[number];
export const agentRoles = ['primary', 'secondary'] as const;
export type AgentRole = (typeof agentRoles)[number];

export const agentResourcesSchema = z
  .object({
    cpuCores: z.number().int().nullable(),
    memoryMb: z.number().int().nullable(),
    diskMb: z.number().int().nullable(),
    freeMemoryMb: z.number().int().nullable(),
    freeDiskMb: z.number().int().nullable(),
  })
  .meta({ id: 'AgentResources' });

export const agentSchema = z
  .object({
    id: z.number().int(),
    agentKey: z.string(),
    zoneId: z.number().int(),
    hostname: z.string(),
    ip: z.string().describe('First LAN address; the primary reaches the agent at ip:port'),
    ips: z.array(z.string()),
    port: z.number().int().describe("The agent's LAN port"),
    version: z.string(),
    platform: z.string(),
    labels: z.record(z.string(), z.string()),
    resources: agentResourcesSchema,
    state: z.enum(agentStates),
    role: z.enum(agentRoles),
    runningTasks: z.number().int(),
    lastSeenAt: timestampSchema.nullable(),
    joinedAt: timestampSchema,
  })
  .meta({ id: 'Agent' });
export type Agent = z.infer<typeof agentSchema>;

export const zonePrimarySchema = z
  .object({
    zoneId: z.number().int(),
    agent: agentSchema.nullable().describe('null while the zone has no primary'),
    epoch: z.number().int().describe('Fencing token of the current lease'),
    leaseExpiresAt: timestampSchema.nullable(),
  })
  .meta({ id: 'ZonePrimary' });
export type ZonePrimary = z.infer<typeof zonePrimarySchema>;

export const listAgentsQuerySchema = pageQuerySchema.extend({
  state: z.enum(agentStates).optional(),
  zoneId: idSchema.optional(),
});
export type ListAgentsQuery = z.infer<typeof listAgentsQuerySchema>;

const agentParamsSchema = zoneIdParamsSchema.extend({ agentKey: z.string().min(1).max(64) });

export const agentRoutes = {
  listOfZone: defineRoute({
    id: 'listZoneAgents',
    method: 'GET',
    path: '/api/v1/zones/:zoneId/agents',
    aliases: ['/inner/groups/:zoneId/agents'],
    tag: 'Agents',
    summary: "List a zone's agents with role, state and resources",
    access: 'viewer',
    params: zoneIdParamsSchema,
    query: pageQuerySchema.extend({ state: z.enum(agentStates).optional() }),
    status: 200,
    response: pageOf(agentSchema),
  }),
  list: defineRoute({
    id: 'listAgents',
    method: 'GET',
    path: '/api/v1/agents',
    aliases: ['/inner/users/agents'],
    tag: 'Agents',
    summary: 'List agents of every zone',
    access: 'viewer',
    query: listAgentsQuerySchema,
    status: 200,
    response: pageOf(agentSchema),
  }),
  retire: defineRoute({
    id: 'retireAgent',
    method: 'POST',
    path: '/api/v1/zones/:zoneId/agents/:agentKey/retire',
    tag: 'Agents',
    summary: 'Retire an agent: it gets no more work, cannot sign in again, and gives up the zone lease',
    description:
      'For a host that is gone or being decommissioned. Its credential stops working at once; the process, if still running, stops on its next call. Installing again needs a new join token.',
    access: 'operator',
    params: agentParamsSchema,
    status: 200,
    response: agentSchema,
  }),
  primary: defineRoute({
    id: 'getZonePrimary',
    method: 'GET',
    path: '/api/v1/zones/:zoneId/primary',
    aliases: ['/inner/groups/:zoneId/primary'],
    tag: 'Agents',
    summary: "Get the zone's primary agent and its lease",
    access: 'viewer',
    params: zoneIdParamsSchema,
    status: 200,
    response: zonePrimarySchema,
  }),
} as const;
