import { Controller, Inject } from '@nestjs/common';
import { agentProtocolRoutes, type RouteBody } from '@outpost/shared';
import { type AgentPrincipal, CurrentAgent } from '../common/auth/agent-principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { AdmissionLimit } from './admission-limit';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { AgentPresenceService } from './agent-presence.service';

type R = typeof agentProtocolRoutes;

/** `/agent/v1/*` identity routes: join, session, handshake and lease (poll, runs and report: work/). */
@Controller()
export class AgentApiController {
  /** Joins and handshakes in flight, bounded: a reconnecting fleet is spread out, not piled up. */
  private readonly admission: AdmissionLimit;

  constructor(
    private readonly enrollment: AgentEnrollmentService,
    private readonly presence: AgentPresenceService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.admission = new AdmissionLimit(config.agentAdmissionLimit);
  }

  @ApiRoute(agentProtocolRoutes.join)
  join(@Input('body') body: RouteBody<R['join']>) {
    return this.admission.run('join', () => this.enrollment.join(body));
  }

  @ApiRoute(agentProtocolRoutes.session)
  session(@Input('body') body: RouteBody<R['session']>) {
    return this.enrollment.session(body.agentKey, body.credential);
  }

  @ApiRoute(agentProtocolRoutes.handshake)
  handshake(@CurrentAgent() agent: AgentPrincipal, @Input('body') body: RouteBody<R['handshake']>) {
    return this.admission.run('handshake', () => this.presence.handshake(agent, body));
  }

  @ApiRoute(agentProtocolRoutes.lease)
  lease(@CurrentAgent() agent: AgentPrincipal, @Input('body') body: RouteBody<R['lease']>) {
    return this.presence.requestLease(agent, body.reason);
  }
}
