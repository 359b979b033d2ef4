import { Controller } from '@nestjs/common';
import { credentialRoutes, type RouteBody, type RouteParams, type RouteQuery } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { CredentialsService } from './credentials.service';

type R = typeof credentialRoutes;

@Controller()
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @ApiRoute(credentialRoutes.list)
  list(@Input('params') params: RouteParams<R['list']>, @Input('query') query: RouteQuery<R['list']>) {
    return this.credentials.list(params.zoneId, query);
  }

  @ApiRoute(credentialRoutes.create)
  create(@Input('params') params: RouteParams<R['create']>, @Input('body') body: RouteBody<R['create']>) {
    return this.credentials.create(params.zoneId, body);
  }

  @ApiRoute(credentialRoutes.get)
  get(@Input('params') params: RouteParams<R['get']>) {
    return this.credentials.get(params.zoneId, params.credentialId);
  }

  @ApiRoute(credentialRoutes.update)
  update(@Input('params') params: RouteParams<R['update']>, @Input('body') body: RouteBody<R['update']>) {
    return this.credentials.update(params.zoneId, params.credentialId, body.value);
  }

  @ApiRoute(credentialRoutes.delete)
  delete(@Input('params') params: RouteParams<R['delete']>) {
    return this.credentials.delete(params.zoneId, params.credentialId);
  }

  @ApiRoute(credentialRoutes.klevrCreate)
  klevrCreate(@Input('body') body: RouteBody<R['klevrCreate']>) {
    return this.credentials.create(body.zoneId, { key: body.key, value: body.value });
  }

  @ApiRoute(credentialRoutes.klevrUpdate)
  klevrUpdate(@Input('body') body: RouteBody<R['klevrUpdate']>) {
    return this.credentials.replaceByKey(body);
  }

  @ApiRoute(credentialRoutes.klevrGet)
  klevrGet(@Input('params') params: RouteParams<R['klevrGet']>) {
    return this.credentials.getById(params.credentialId);
  }

  @ApiRoute(credentialRoutes.klevrDelete)
  klevrDelete(@Input('params') params: RouteParams<R['klevrDelete']>) {
    return this.credentials.deleteById(params.credentialId);
  }
}
