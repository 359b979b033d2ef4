/**
 * Every error the manager can answer with. The manager maps each code to an HTTP status in a table
 * the compiler checks for completeness; clients branch on the code, never on the message.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'ROUTE_NOT_FOUND',
  'TOO_MANY_REQUESTS',
  'ALREADY_ACTIVATED',
  'NOT_ACTIVATED',
  'INVALID_CREDENTIALS',
  'USER_NOT_FOUND',
  'USERNAME_TAKEN',
  'LAST_ADMIN',
  'API_TOKEN_NOT_FOUND',
  'ZONE_NOT_FOUND',
  'ZONE_NAME_TAKEN',
  'ZONE_NOT_EMPTY',
  'API_KEY_NOT_FOUND',
  'JOIN_TOKEN_NOT_FOUND',
  'AGENT_NOT_FOUND',
  'TASK_NOT_FOUND',
  'TASK_RUN_NOT_FOUND',
  'TASK_NOT_CANCELABLE',
  'INVALID_TRANSITION',
  'CREDENTIAL_NOT_FOUND',
  'CREDENTIAL_KEY_TAKEN',
  'WEBHOOK_NOT_FOUND',
  'WEBHOOK_DELIVERY_NOT_FOUND',
  'PROTOCOL_VERSION_MISMATCH',
  'STALE_EPOCH',
  'AGENT_ALREADY_JOINED',
  'INTERNAL_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
