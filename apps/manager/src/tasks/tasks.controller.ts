import { Controller } from '@nestjs/common';
import { type RouteBody, type RouteParams, type RouteQuery, taskRoutes } from '@outpost/shared';
import { CurrentPrincipal, type Principal } from '../common/auth/principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { TasksService } from './tasks.service';

type R = typeof taskRoutes;

@Controller()
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @ApiRoute(taskRoutes.create)
  create(@Input('body') body: RouteBody<R['create']>, @CurrentPrincipal() principal: Principal) {
    return this.tasks.create(body, principal);
  }

  @ApiRoute(taskRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.tasks.list(query);
  }

  @ApiRoute(taskRoutes.get)
  get(@Input('params') params: RouteParams<R['get']>) {
    return this.tasks.get(params.taskId);
  }

  @ApiRoute(taskRoutes.cancel)
  cancel(@Input('params') params: RouteParams<R['cancel']>) {
    return this.tasks.cancel(params.taskId);
  }

  @ApiRoute(taskRoutes.logs)
  logs(@Input('params') params: RouteParams<R['logs']>, @Input('query') query: RouteQuery<R['logs']>) {
    return this.tasks.logs(params.taskId, query);
  }
}
