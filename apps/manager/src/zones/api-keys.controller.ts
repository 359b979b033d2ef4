import { Controller } from '@nestjs/common';
import { apiKeyRoutes, type RouteBody, type RouteParams, type RouteQuery } from '@outpost/shared';
import { CurrentPrincipal, type Principal } from '../common/auth/principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { ApiKeysService } from './api-keys.service';

type R = typeof apiKeyRoutes;

@Controller()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiRoute(apiKeyRoutes.create)
  create(
    @Input('params') params: RouteParams<R['create']>,
    @Input('body') body: RouteBody<R['create']>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.keys.issue(params.zoneId, body.name, principal);
  }

  @ApiRoute(apiKeyRoutes.list)
  list(@Input('params') params: RouteParams<R['list']>, @Input('query') query: RouteQuery<R['list']>) {
    return this.keys.list(params.zoneId, query);
  }

  @ApiRoute(apiKeyRoutes.rotate)
  rotate(
    @Input('params') params: RouteParams<R['rotate']>,
    @Input('body') body: RouteBody<R['rotate']>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.keys.rotate(params.zoneId, body.name, principal);
  }

  @ApiRoute(apiKeyRoutes.revoke)
  revoke(@Input('params') params: RouteParams<R['revoke']>) {
    return this.keys.revoke(params.zoneId, params.keyId);
  }
}
