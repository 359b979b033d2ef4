import { agentProtocolRoutes } from '@outpost/shared';
import { laneRoute, type LaneRoute } from '../common/http/agent-lane';
import type { DeliveryService } from './delivery.service';
import type { ReportService } from './report.service';

/**
 * The routes of the work feature that the agent lane serves instead of Nest: the agent protocol's
 * hot path, which ARCHITECTURE §10 holds to half the request rate of bare node:http — out of reach
 * through Express (see common/http/agent-lane.ts). Every other route stays in WorkController.
 */
export function workLaneRoutes(delivery: DeliveryService, reports: ReportService): LaneRoute[] {
  return [
    laneRoute(agentProtocolRoutes.poll, (agent, body, call) => delivery.poll(agent, body, call.clientGone())),
    laneRoute(agentProtocolRoutes.report, (agent, body) => reports.report(agent, body)),
  ];
}
