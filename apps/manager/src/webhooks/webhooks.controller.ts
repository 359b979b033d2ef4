import { Controller } from '@nestjs/common';
import { type RouteBody, type RouteParams, type RouteQuery, webhookRoutes } from '@outpost/shared';
import { CurrentPrincipal, type Principal } from '../common/auth/principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { WebhooksService } from './webhooks.service';

type R = typeof webhookRoutes;

@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @ApiRoute(webhookRoutes.create)
  create(@Input('body') body: RouteBody<R['create']>, @CurrentPrincipal() principal: Principal) {
    return this.webhooks.create(body, principal);
  }

  @ApiRoute(webhookRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.webhooks.list(query);
  }

  @ApiRoute(webhookRoutes.get)
  get(@Input('params') params: RouteParams<R['get']>) {
    return this.webhooks.get(params.webhookId);
  }

  @ApiRoute(webhookRoutes.update)
  update(@Input('params') params: RouteParams<R['update']>, @Input('body') body: RouteBody<R['update']>) {
    return this.webhooks.update(params.webhookId, body);
  }

  @ApiRoute(webhookRoutes.delete)
  delete(@Input('params') params: RouteParams<R['delete']>) {
    return this.webhooks.delete(params.webhookId);
  }

  @ApiRoute(webhookRoutes.deliveries)
  deliveries(
    @Input('params') params: RouteParams<R['deliveries']>,
    @Input('query') query: RouteQuery<R['deliveries']>,
  ) {
    return this.webhooks.deliveries(params.webhookId, query);
  }

  @ApiRoute(webhookRoutes.taskCallbackDeliveries)
  taskCallbackDeliveries(
    @Input('params') params: RouteParams<R['taskCallbackDeliveries']>,
    @Input('query') query: RouteQuery<R['taskCallbackDeliveries']>,
  ) {
    return this.webhooks.taskCallbackDeliveries(params.taskId, query);
  }

  @ApiRoute(webhookRoutes.redeliver)
  redeliver(@Input('params') params: RouteParams<R['redeliver']>) {
    return this.webhooks.redeliver(params.deliveryId);
  }
}
