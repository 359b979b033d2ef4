import type { RouteDefinition } from '@outpost/shared';
import type { Principal } from '../common/auth/principal';
import type { AuditRecord } from './audit.service';

/** The parts of a request the audit reads. Deliberately not the body, apart from its `zoneId`. */
export interface AuditedRequest {
  params: Record<string, string | undefined>;
  body: unknown;
  ip: string | undefined;
}

const ID_PATTERN = /^\d+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idValue(value: unknown): string | null {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string' && value.length > 0) return value;
  return null;
}

/**
 * The id of what an answer describes: its own `id`, or, for answers that wrap the resource next to
 * a one-time secret (`{ token: {...}, secret }`), the id of the wrapped object. Only ids are read.
 */
export function answerId(answer: unknown): string | null {
  if (!isRecord(answer)) return null;
  const own = idValue(answer.id);
  if (own) return own;
  for (const value of Object.values(answer)) {
    if (isRecord(value)) {
      const nested = idValue(value.id);
      if (nested) return nested;
    }
  }
  return null;
}

/** Express keeps params in path order, so the last one names the most specific resource. */
export function lastPathParam(params: Record<string, string | undefined>): string | null {
  const values = Object.values(params).filter(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  return values.at(-1) ?? null;
}

function zoneIdOf(request: AuditedRequest): number | null {
  const fromBody = isRecord(request.body) ? request.body.zoneId : undefined;
  for (const candidate of [request.params.zoneId, fromBody]) {
    const text = typeof candidate === 'number' ? String(candidate) : candidate;
    if (typeof text === 'string' && ID_PATTERN.test(text)) return Number(text);
  }
  return null;
}

/**
 * One audit row for a successful call: the action is the route id, the target type its tag. A
 * creation (201) names what it created; any other call names the resource in its path.
 */
export function auditRecordFor(
  definition: RouteDefinition,
  request: AuditedRequest,
  principal: Principal,
  answer: unknown,
): AuditRecord {
  const fromPath = lastPathParam(request.params);
  const fromAnswer = answerId(answer);
  return {
    userId: principal.userId,
    username: principal.username,
    action: definition.id,
    targetType: definition.tag,
    targetId: definition.status === 201 ? (fromAnswer ?? fromPath) : (fromPath ?? fromAnswer),
    zoneId: zoneIdOf(request),
    ip: request.ip ?? null,
    details: { via: principal.via },
  };
}
