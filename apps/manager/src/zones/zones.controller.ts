import { Controller } from '@nestjs/common';
import { type RouteBody, type RouteParams, type RouteQuery, zoneRoutes } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { ZonesService } from './zones.service';

type R = typeof zoneRoutes;

@Controller()
export class ZonesController {
  constructor(private readonly zones: ZonesService) {}

  @ApiRoute(zoneRoutes.create)
  create(@Input('body') body: RouteBody<R['create']>) {
    return this.zones.create(body);
  }

  @ApiRoute(zoneRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.zones.list(query);
  }

  @ApiRoute(zoneRoutes.get)
  get(@Input('params') params: RouteParams<R['get']>) {
    return this.zones.get(params.zoneId);
  }

  @ApiRoute(zoneRoutes.update)
  update(@Input('params') params: RouteParams<R['update']>, @Input('body') body: RouteBody<R['update']>) {
    return this.zones.update(params.zoneId, body);
  }

  @ApiRoute(zoneRoutes.delete)
  delete(@Input('params') params: RouteParams<R['delete']>) {
    return this.zones.delete(params.zoneId);
  }
}
