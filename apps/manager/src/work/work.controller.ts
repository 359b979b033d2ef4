import { Controller, Res } from '@nestjs/common';
import { agentProtocolRoutes, type RouteBody, type RouteParams } from '@outpost/shared';
import type { Response } from 'express';
import { type AgentPrincipal, CurrentAgent } from '../common/auth/agent-principal';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { DeliveryService } from './delivery.service';
import { ReportService } from './report.service';

type R = typeof agentProtocolRoutes;

/**
 * Fires when the client goes away before its answer was sent. The response's 'close' and not the
 * request's: since Node 16 a request emits 'close' as soon as its body has been read.
 */
function clientGone(response: Response): AbortSignal {
  const gone = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** `/agent/v1/*` work routes: the primary's poll, accepting a run, and reports. */
@Controller()
export class WorkController {
  constructor(
    private readonly delivery: DeliveryService,
    private readonly reports: ReportService,
  ) {}

  @ApiRoute(agentProtocolRoutes.poll)
  poll(
    @CurrentAgent() agent: AgentPrincipal,
    @Input('body') body: RouteBody<R['poll']>,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.delivery.poll(agent, body, clientGone(response));
  }

  @ApiRoute(agentProtocolRoutes.acceptRun)
  acceptRun(@CurrentAgent() agent: AgentPrincipal, @Input('params') params: RouteParams<R['acceptRun']>) {
    return this.delivery.acceptRun(agent, params.runId);
  }

  @ApiRoute(agentProtocolRoutes.report)
  report(@CurrentAgent() agent: AgentPrincipal, @Input('body') body: RouteBody<R['report']>) {
    return this.reports.report(agent, body);
  }
}
