import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AGENT_PROTOCOL_VERSION, PROTOCOL_HEADER, type RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';
import { AppError } from '../errors/app-error';
import { ROUTE_DEFINITION } from '../http/api-route.decorator';

/** Routes of the agent protocol: every call there must speak this manager's protocol version. */
export const AGENT_PROTOCOL_PREFIX = '/agent/';

/** The refusal an agent of another protocol version gets; it says which side to upgrade. */
export function protocolMismatch(header: string | string[] | undefined): AppError | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '') {
    return new AppError(
      'PROTOCOL_VERSION_MISMATCH',
      `the ${PROTOCOL_HEADER} header is missing: this manager speaks agent protocol ${AGENT_PROTOCOL_VERSION}; upgrade the agent`,
    );
  }
  const version = /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (version === AGENT_PROTOCOL_VERSION) return null;
  if (Number.isNaN(version)) {
    return new AppError(
      'PROTOCOL_VERSION_MISMATCH',
      `${PROTOCOL_HEADER} must be an integer protocol version; this manager speaks agent protocol ${AGENT_PROTOCOL_VERSION}`,
    );
  }
  const upgrade = version < AGENT_PROTOCOL_VERSION ? 'the agent' : 'the manager';
  return new AppError(
    'PROTOCOL_VERSION_MISMATCH',
    `agent speaks protocol ${version} but this manager speaks ${AGENT_PROTOCOL_VERSION}: upgrade ${upgrade}`,
  );
}

/**
 * Global guard registered BEFORE the auth guard: an agent of another protocol version learns that
 * (400 PROTOCOL_VERSION_MISMATCH) before anything else, instead of a 401 it would retry forever.
 */
@Injectable()
export class ProtocolVersionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const definition = this.reflector.get<RouteDefinition | undefined>(
      ROUTE_DEFINITION,
      context.getHandler(),
    );
    if (!definition?.path.startsWith(AGENT_PROTOCOL_PREFIX)) return true;
    const mismatch = protocolMismatch(context.switchToHttp().getRequest<Request>().headers[PROTOCOL_HEADER]);
    if (mismatch) throw mismatch;
    return true;
  }
}
