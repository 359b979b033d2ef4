import { Controller } from '@nestjs/common';
import { describeReservedCommands, taskRoutes } from '@outpost/shared';
import { ApiRoute } from '../common/http/api-route.decorator';

/** The reserved-command catalogue, derived from the one shared definition the agent also runs. */
@Controller()
export class CommandsController {
  private readonly catalogue = describeReservedCommands();

  @ApiRoute(taskRoutes.commands)
  list() {
    return this.catalogue;
  }
}
