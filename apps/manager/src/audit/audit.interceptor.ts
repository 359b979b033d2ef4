import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';
import { concatMap, type Observable } from 'rxjs';
import { principalOf } from '../common/auth/principal';
import { ROUTE_DEFINITION } from '../common/http/api-route.decorator';
import { auditRecordFor } from './audit-target';
import { AuditService } from './audit.service';

/**
 * Records every successful change a user makes: non-GET calls on routes for users. Reads are not
 * audited, failures are not either (nothing changed), public routes have no user (sign-in and
 * activation are recorded by the auth service itself), and agent calls are not user actions (and
 * must not cost a write each). The row is written before the answer
 * leaves, so a client that reads the log next sees it.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const definition = this.reflector.get<RouteDefinition | undefined>(
      ROUTE_DEFINITION,
      context.getHandler(),
    );
    const byUser = definition && definition.access !== 'public' && definition.access !== 'agent';
    if (!byUser || definition.method === 'GET') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      concatMap(async (answer: unknown) => {
        const principal = principalOf(request);
        if (principal) {
          const params = request.params as Record<string, string | undefined>;
          const body: unknown = request.body;
          await this.audit.record(
            auditRecordFor(definition, { params, body, ip: request.ip }, principal, answer),
          );
        }
        return answer;
      }),
    );
  }
}
