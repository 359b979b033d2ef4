import { Controller } from '@nestjs/common';
import { type RouteBody, type RouteParams, type RouteQuery, userRoutes } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { UsersService } from './users.service';

type R = typeof userRoutes;

@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiRoute(userRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.users.list(query);
  }

  @ApiRoute(userRoutes.create)
  create(@Input('body') body: RouteBody<R['create']>) {
    return this.users.create(body);
  }

  @ApiRoute(userRoutes.update)
  update(@Input('params') params: RouteParams<R['update']>, @Input('body') body: RouteBody<R['update']>) {
    return this.users.update(params.userId, body);
  }

  @ApiRoute(userRoutes.delete)
  delete(@Input('params') params: RouteParams<R['delete']>) {
    return this.users.delete(params.userId);
  }
}
