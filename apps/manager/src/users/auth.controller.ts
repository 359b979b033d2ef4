import { Controller, Req } from '@nestjs/common';
import { authRoutes, type RouteBody, type RouteParams, type RouteQuery } from '@outpost/shared';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../common/auth/principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { ApiTokensService } from './api-tokens.service';
import { AuthService } from './auth.service';

type R = typeof authRoutes;

@Controller()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: ApiTokensService,
  ) {}

  @ApiRoute(authRoutes.status)
  status() {
    return this.auth.status();
  }

  /** `request.ip` honours X-Forwarded-For only from a trusted proxy (see create-app). */
  @ApiRoute(authRoutes.activate)
  activate(@Input('body') body: RouteBody<R['activate']>, @Req() request: Request) {
    return this.auth.activate(body, request.ip);
  }

  @ApiRoute(authRoutes.login)
  login(@Input('body') body: RouteBody<R['login']>, @Req() request: Request) {
    return this.auth.login(body, request.ip);
  }

  @ApiRoute(authRoutes.me)
  me(@CurrentPrincipal() principal: Principal) {
    return this.auth.me(principal);
  }

  @ApiRoute(authRoutes.changePassword)
  changePassword(
    @Input('body') body: RouteBody<R['changePassword']>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.auth.changePassword(principal, body);
  }

  @ApiRoute(authRoutes.listTokens)
  listTokens(@Input('query') query: RouteQuery<R['listTokens']>, @CurrentPrincipal() principal: Principal) {
    return this.tokens.list(principal, query);
  }

  @ApiRoute(authRoutes.createToken)
  createToken(@Input('body') body: RouteBody<R['createToken']>, @CurrentPrincipal() principal: Principal) {
    return this.tokens.create(principal, body);
  }

  @ApiRoute(authRoutes.revokeToken)
  revokeToken(
    @Input('params') params: RouteParams<R['revokeToken']>,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.tokens.revoke(principal, params.tokenId);
  }
}
