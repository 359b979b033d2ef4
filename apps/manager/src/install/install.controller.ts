import { Controller, Inject, Res } from '@nestjs/common';
import { installRoutes, type RouteQuery } from '@outpost/shared';
import type { Response } from 'express';
import { JoinTokensService } from '../agent-api/join-tokens.service';
import { AppError } from '../common/errors/app-error';
import { ApiRoute, Input } from '../common/http/api-route.decorator';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { resolveAgentBundle } from './agent-bundle';
import { REFUSED_INSTALL_MESSAGE, renderInstallScript } from './install-script';

type R = typeof installRoutes;

/**
 * The installer: the script for a join token, and the agent program it downloads. Public: the
 * token is the credential, and the program holds no secret. Neither answer is JSON.
 */
@Controller()
export class InstallController {
  constructor(
    private readonly joinTokens: JoinTokensService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * 401 with a plain-text message for a token that cannot join: `curl -f` then fails visibly
   * and bash runs nothing. The text is also a two-line script that prints the reason and exits 1,
   * for a caller who pipes without `-f`. The token is not used up here, only by the join.
   */
  @ApiRoute(installRoutes.script)
  async script(@Input('query') query: RouteQuery<R['script']>, @Res() response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    const token = await this.joinTokens.findUsable(query.token);
    if (!token) {
      response.status(401).type('text/plain; charset=utf-8').send(REFUSED_INSTALL_MESSAGE);
      return;
    }
    const script = renderInstallScript({
      managerUrl: this.config.publicUrl,
      zoneId: token.zoneId,
      joinToken: query.token,
    });
    response.status(200).type('text/x-shellscript; charset=utf-8').send(script);
  }

  @ApiRoute(installRoutes.bundle)
  bundle(@Res() response: Response): void {
    const file = resolveAgentBundle(this.config.agentBundleFile);
    if (!file) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'The agent program is not built on this manager (apps/agent/dist/outpost-agent.js is missing): run `npm run build`, or set OUTPOST_AGENT_BUNDLE_FILE',
      );
    }
    response.status(200).type('application/javascript; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile(file);
  }
}
