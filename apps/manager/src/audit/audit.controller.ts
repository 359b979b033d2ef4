import { Controller } from '@nestjs/common';
import { auditRoutes, type RouteQuery } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { AuditService } from './audit.service';

type R = typeof auditRoutes;

@Controller()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @ApiRoute(auditRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.audit.list(query);
  }
}
