import { z } from 'zod';
import { idSchema, timestampSchema } from '../common/primitives';
import { pageOf, pageQuerySchema } from '../common/pagination';
import { defineRoute, userRoles } from '../common/route';

export const usernameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$/, 'username is 3-64 letters, digits, _ . @ -');
export const passwordSchema = z
  .string()
  .min(10, 'password must be at least 10 characters')
  .max(256, 'password must be at most 256 characters');

export const userSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(userRoles),
    isDisabled: z.boolean(),
    lastLoginAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const credentialsRequestSchema = z
  .strictObject({ username: usernameSchema, password: z.string().min(1).max(256) })
  .meta({ id: 'LoginRequest' });
export const activateRequestSchema = z
  .strictObject({ username: usernameSchema, password: passwordSchema })
  .meta({ id: 'ActivateRequest' });

export const sessionSchema = z
  .object({
    accessToken: z.string(),
    expiresAt: timestampSchema,
    user: userSchema,
  })
  .meta({ id: 'Session' });
export type Session = z.infer<typeof sessionSchema>;

export const activationStatusSchema = z
  .object({ activated: z.boolean().describe('false until the first admin has set a password') })
  .meta({ id: 'ActivationStatus' });

export const changePasswordRequestSchema = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: passwordSchema })
  .meta({ id: 'ChangePasswordRequest' });

export const createUserRequestSchema = z
  .strictObject({ username: usernameSchema, password: passwordSchema, role: z.enum(userRoles) })
  .meta({ id: 'CreateUserRequest' });
export const updateUserRequestSchema = z
  .strictObject({ role: z.enum(userRoles), isDisabled: z.boolean(), password: passwordSchema })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'give at least one of role, isDisabled, password')
  .meta({ id: 'UpdateUserRequest' });

export const apiTokenSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string(),
    createdAt: timestampSchema,
    lastUsedAt: timestampSchema.nullable(),
    expiresAt: timestampSchema.nullable(),
    revokedAt: timestampSchema.nullable(),
  })
  .meta({ id: 'ApiToken' });
export type ApiToken = z.infer<typeof apiTokenSchema>;
export const createApiTokenRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('Omit for a token that does not expire'),
  })
  .meta({ id: 'CreateApiTokenRequest' });
export const issuedApiTokenSchema = z
  .object({
    token: apiTokenSchema,
    secret: z.string().describe('Shown once; send as `Authorization: Bearer <secret>`'),
  })
  .meta({ id: 'IssuedApiToken' });

const userIdParamsSchema = z.object({ userId: idSchema });
const tokenIdParamsSchema = z.object({ tokenId: idSchema });

export const authRoutes = {
  status: defineRoute({
    id: 'getActivationStatus',
    method: 'GET',
    path: '/api/v1/auth/status',
    tag: 'Authentication',
    summary: 'Whether the first admin has been activated',
    access: 'public',
    status: 200,
    response: activationStatusSchema,
  }),
  activate: defineRoute({
    id: 'activate',
    method: 'POST',
    path: '/api/v1/auth/activate',
    tag: 'Authentication',
    summary: 'Set the first admin account (works only while no user exists)',
    access: 'public',
    body: activateRequestSchema,
    status: 201,
    response: sessionSchema,
  }),
  login: defineRoute({
    id: 'login',
    method: 'POST',
    path: '/api/v1/auth/login',
    tag: 'Authentication',
    summary: 'Sign in and receive an access token',
    description:
      'Throttled per account and per client address: too many failures answer 429 with Retry-After.',
    access: 'public',
    body: credentialsRequestSchema,
    status: 200,
    response: sessionSchema,
  }),
  me: defineRoute({
    id: 'getCurrentUser',
    method: 'GET',
    path: '/api/v1/auth/me',
    tag: 'Authentication',
    summary: 'The signed-in user',
    access: 'viewer',
    status: 200,
    response: userSchema,
  }),
  changePassword: defineRoute({
    id: 'changePassword',
    method: 'PUT',
    path: '/api/v1/auth/password',
    tag: 'Authentication',
    summary: "Change the signed-in user's password",
    description:
      'Every session issued before stops working (personal API tokens are kept); the answer carries a fresh session so the caller stays signed in.',
    access: 'viewer',
    body: changePasswordRequestSchema,
    status: 200,
    response: sessionSchema,
  }),
  listTokens: defineRoute({
    id: 'listApiTokens',
    method: 'GET',
    path: '/api/v1/auth/tokens',
    tag: 'Authentication',
    summary: "The signed-in user's personal API tokens",
    access: 'viewer',
    query: pageQuerySchema,
    status: 200,
    response: pageOf(apiTokenSchema),
  }),
  createToken: defineRoute({
    id: 'createApiToken',
    method: 'POST',
    path: '/api/v1/auth/tokens',
    tag: 'Authentication',
    summary: 'Create a personal API token for scripts (shown once; acts with your role)',
    access: 'viewer',
    body: createApiTokenRequestSchema,
    status: 201,
    response: issuedApiTokenSchema,
  }),
  revokeToken: defineRoute({
    id: 'revokeApiToken',
    method: 'DELETE',
    path: '/api/v1/auth/tokens/:tokenId',
    tag: 'Authentication',
    summary: 'Revoke one of your API tokens',
    access: 'viewer',
    params: tokenIdParamsSchema,
    status: 200,
    response: apiTokenSchema,
  }),
} as const;

export const userRoutes = {
  list: defineRoute({
    id: 'listUsers',
    method: 'GET',
    path: '/api/v1/users',
    tag: 'Users',
    summary: 'List users',
    access: 'admin',
    query: pageQuerySchema,
    status: 200,
    response: pageOf(userSchema),
  }),
  create: defineRoute({
    id: 'createUser',
    method: 'POST',
    path: '/api/v1/users',
    tag: 'Users',
    summary: 'Create a user with a role',
    access: 'admin',
    body: createUserRequestSchema,
    status: 201,
    response: userSchema,
  }),
  update: defineRoute({
    id: 'updateUser',
    method: 'PATCH',
    path: '/api/v1/users/:userId',
    tag: 'Users',
    summary: "Change a user's role, disable them, or reset their password",
    access: 'admin',
    params: userIdParamsSchema,
    body: updateUserRequestSchema,
    status: 200,
    response: userSchema,
  }),
  delete: defineRoute({
    id: 'deleteUser',
    method: 'DELETE',
    path: '/api/v1/users/:userId',
    tag: 'Users',
    summary: 'Delete a user (the last active admin cannot be deleted)',
    access: 'admin',
    params: userIdParamsSchema,
    status: 200,
    response: z.object({ deleted: z.literal(true) }),
  }),
} as const;

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    zoneId: z.number().int().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    ip: z.string().nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditRoutes = {
  list: defineRoute({
    id: 'listAuditLog',
    method: 'GET',
    path: '/api/v1/audit-log',
    tag: 'Users',
    summary: 'What users changed, newest first',
    access: 'admin',
    query: pageQuerySchema.extend({ zoneId: idSchema.optional(), action: z.string().max(64).optional() }),
    status: 200,
    response: pageOf(auditEntrySchema),
  }),
} as const;
