import { z } from 'zod';
import { idSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute } from '../common/route';
import { zoneIdParamsSchema } from './zones.contract';

/** Used as `{{KEY}}` in task parameters, and as an environment variable name in scripts. */
export const credentialKeySchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,99}$/,
    'key must start with a letter or _ and hold only letters, digits and _ (max 100)',
  );
const credentialValueSchema = z
  .string()
  .min(1, 'value must not be empty')
  .max(8192, 'value is at most 8192 characters');

/** A credential as the API shows it: the value is write-only and never returned. */
export const credentialSchema = z
  .object({
    id: z.number().int(),
    zoneId: z.number().int(),
    key: z.string(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Credential' });
export type Credential = z.infer<typeof credentialSchema>;

export const createCredentialRequestSchema = z
  .strictObject({ key: credentialKeySchema, value: credentialValueSchema })
  .meta({ id: 'CreateCredentialRequest' });
export type CreateCredentialRequest = z.infer<typeof createCredentialRequestSchema>;
export const updateCredentialRequestSchema = z
  .strictObject({ value: credentialValueSchema })
  .meta({ id: 'UpdateCredentialRequest' });
export type UpdateCredentialRequest = z.infer<typeof updateCredentialRequestSchema>;
/** Klevr's `/inner/credentials` body: the zone travels in the body. */
export const klevrCredentialRequestSchema = z
  .strictObject({ zoneId: idSchema, key: credentialKeySchema, value: credentialValueSchema })
  .meta({ id: 'KlevrCredentialRequest' });
export type KlevrCredentialRequest = z.infer<typeof klevrCredentialRequestSchema>;

const credentialParamsSchema = zoneIdParamsSchema.extend({ credentialId: idSchema });
const deletedSchema = z.object({ deleted: z.literal(true) }).meta({ id: 'Deleted' });

export const credentialRoutes = {
  list: defineRoute({
    id: 'listCredentials',
    method: 'GET',
    path: '/api/v1/zones/:zoneId/credentials',
    aliases: ['/inner/groups/:zoneId/credentials'],
    tag: 'Credentials',
    summary: "List a zone's credentials (values are never shown)",
    access: 'viewer',
    params: zoneIdParamsSchema,
    query: pageQuerySchema,
    status: 200,
    response: pageOf(credentialSchema),
  }),
  create: defineRoute({
    id: 'createCredential',
    method: 'POST',
    path: '/api/v1/zones/:zoneId/credentials',
    tag: 'Credentials',
    summary: 'Add a credential (encrypted at rest)',
    access: 'operator',
    params: zoneIdParamsSchema,
    body: createCredentialRequestSchema,
    status: 201,
    response: credentialSchema,
  }),
  get: defineRoute({
    id: 'getCredential',
    method: 'GET',
    path: '/api/v1/zones/:zoneId/credentials/:credentialId',
    tag: 'Credentials',
    summary: 'Get a credential (without its value)',
    access: 'viewer',
    params: credentialParamsSchema,
    status: 200,
    response: credentialSchema,
  }),
  update: defineRoute({
    id: 'updateCredential',
    method: 'PUT',
    path: '/api/v1/zones/:zoneId/credentials/:credentialId',
    tag: 'Credentials',
    summary: "Replace a credential's value",
    access: 'operator',
    params: credentialParamsSchema,
    body: updateCredentialRequestSchema,
    status: 200,
    response: credentialSchema,
  }),
  delete: defineRoute({
    id: 'deleteCredential',
    method: 'DELETE',
    path: '/api/v1/zones/:zoneId/credentials/:credentialId',
    tag: 'Credentials',
    summary: 'Delete a credential',
    access: 'operator',
    params: credentialParamsSchema,
    status: 200,
    response: deletedSchema,
  }),
  klevrCreate: defineRoute({
    id: 'klevrCreateCredential',
    method: 'POST',
    path: '/inner/credentials',
    tag: 'Credentials',
    summary: 'Add a credential (Klevr-compatible form, zone in the body)',
    access: 'operator',
    body: klevrCredentialRequestSchema,
    status: 201,
    response: credentialSchema,
  }),
  klevrUpdate: defineRoute({
    id: 'klevrUpdateCredential',
    method: 'PUT',
    path: '/inner/credentials',
    tag: 'Credentials',
    summary: "Replace a credential's value by zone and key (Klevr-compatible form)",
    access: 'operator',
    body: klevrCredentialRequestSchema,
    status: 200,
    response: credentialSchema,
  }),
  klevrGet: defineRoute({
    id: 'klevrGetCredential',
    method: 'GET',
    path: '/inner/credentials/:credentialId',
    tag: 'Credentials',
    summary: 'Get a credential by id (Klevr-compatible form)',
    access: 'viewer',
    params: z.object({ credentialId: idSchema }),
    status: 200,
    response: credentialSchema,
  }),
  klevrDelete: defineRoute({
    id: 'klevrDeleteCredential',
    method: 'DELETE',
    path: '/inner/credentials/:credentialId',
    tag: 'Credentials',
    summary: 'Delete a credential by id (Klevr-compatible form)',
    access: 'operator',
    params: z.object({ credentialId: idSchema }),
    status: 200,
    response: deletedSchema,
  }),
} as const;
