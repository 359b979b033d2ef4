import { Controller } from '@nestjs/common';
import { agentProtocolRoutes, type RouteParams } from '@outpost/shared';
import { type AgentPrincipal, CurrentAgent } from '../common/auth/agent-principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { DeliveryService } from './delivery.service';

type R = typeof agentProtocolRoutes;

/**
 * `/agent/v1/*` work routes served through Nest: accepting a run. The primary's poll and reports,
 * the hot routes, are served by the agent lane ahead of Express (work.lane.ts).
 */
@Controller()
export class WorkController {
  constructor(private readonly delivery: DeliveryService) {}

  @ApiRoute(agentProtocolRoutes.acceptRun)
  acceptRun(@CurrentAgent() agent: AgentPrincipal, @Input('params') params: RouteParams<R['acceptRun']>) {
    return this.delivery.acceptRun(agent, params.runId);
  }
}
