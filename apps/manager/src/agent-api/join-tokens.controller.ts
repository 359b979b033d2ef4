import { Controller } from '@nestjs/common';
import { joinTokenRoutes, type RouteBody, type RouteParams, type RouteQuery } from '@outpost/shared';
import { CurrentPrincipal, type Principal } from '../common/auth/principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { JoinTokensService } from './join-tokens.service';

type R = typeof joinTokenRoutes;

@Controller()
export class JoinTokensController {
  constructor(private readonly tokens: JoinTokensService) {}

  @ApiRoute(joinTokenRoutes.create)
  create(
    @Input('params') params: RouteParams<R['create']>,
    @Input('body') body: RouteBody<R['create']>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.tokens.issue(params.zoneId, body, principal);
  }

  @ApiRoute(joinTokenRoutes.list)
  list(@Input('params') params: RouteParams<R['list']>, @Input('query') query: RouteQuery<R['list']>) {
    return this.tokens.list(params.zoneId, query);
  }

  @ApiRoute(joinTokenRoutes.revoke)
  revoke(@Input('params') params: RouteParams<R['revoke']>) {
    return this.tokens.revoke(params.zoneId, params.tokenId);
  }
}
