import { z } from 'zod';
import { defineRoute } from '../common/route';

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const readinessSchema = z
  .object({ status: z.enum(['ready', 'unavailable']), database: z.enum(['up', 'down']) })
  .meta({ id: 'Readiness' });

export const healthRoutes = {
  live: defineRoute({
    id: 'getLiveness',
    method: 'GET',
    path: '/healthz',
    aliases: ['/health'],
    tag: 'Health',
    summary: 'Liveness: the process answers',
    access: 'public',
    status: 200,
    response: healthSchema,
  }),
  ready: defineRoute({
    id: 'getReadiness',
    method: 'GET',
    path: '/readyz',
    tag: 'Health',
    summary: 'Readiness: the database answers (503 when it does not)',
    access: 'public',
    status: 200,
    response: readinessSchema,
  }),
} as const;
