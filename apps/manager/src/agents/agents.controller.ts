import { Controller } from '@nestjs/common';
import { agentRoutes, type RouteParams, type RouteQuery } from '@outpost/shared';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { AgentsService } from './agents.service';

type R = typeof agentRoutes;

@Controller()
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @ApiRoute(agentRoutes.listOfZone)
  listOfZone(
    @Input('params') params: RouteParams<R['listOfZone']>,
    @Input('query') query: RouteQuery<R['listOfZone']>,
  ) {
    return this.agents.listOfZone(params.zoneId, query);
  }

  @ApiRoute(agentRoutes.list)
  list(@Input('query') query: RouteQuery<R['list']>) {
    return this.agents.list(query);
  }

  @ApiRoute(agentRoutes.retire)
  retire(@Input('params') params: RouteParams<R['retire']>) {
    return this.agents.retire(params.zoneId, params.agentKey);
  }

  @ApiRoute(agentRoutes.primary)
  primary(@Input('params') params: RouteParams<R['primary']>) {
    return this.agents.primary(params.zoneId);
  }
}
