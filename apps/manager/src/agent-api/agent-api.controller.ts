import { Controller } from '@nestjs/common';
import { agentProtocolRoutes, type RouteBody } from '@outpost/shared';
import { type AgentPrincipal, CurrentAgent } from '../common/auth/agent-principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { AgentPresenceService } from './agent-presence.service';

type R = typeof agentProtocolRoutes;

/** `/agent/v1/*` identity routes: join, session, handshake and lease (poll, runs and report: work/). */
@Controller()
export class AgentApiController {
  constructor(
    private readonly enrollment: AgentEnrollmentService,
    private readonly presence: AgentPresenceService,
  ) {}

  @ApiRoute(agentProtocolRoutes.join)
  join(@Input('body') body: RouteBody<R['join']>) {
    return this.enrollment.join(body);
  }

  @ApiRoute(agentProtocolRoutes.session)
  session(@Input('body') body: RouteBody<R['session']>) {
    return this.enrollment.session(body.agentKey, body.credential);
  }

  @ApiRoute(agentProtocolRoutes.handshake)
  handshake(@CurrentAgent() agent: AgentPrincipal, @Input('body') body: RouteBody<R['handshake']>) {
    return this.presence.handshake(agent, body);
  }

  @ApiRoute(agentProtocolRoutes.lease)
  lease(@CurrentAgent() agent: AgentPrincipal, @Input('body') body: RouteBody<R['lease']>) {
    return this.presence.requestLease(agent, body.reason);
  }
}
