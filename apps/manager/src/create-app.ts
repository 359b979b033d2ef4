import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppModule } from './app.module';
import { Clock } from './common/clock/clock';
import { writeProblem } from './common/errors/problem.filter';
import { createAgentLane, mountAhead } from './common/http/agent-lane';
import { jsonBodyReader } from './common/http/json-body';
import { requestIdMiddleware } from './common/http/request-id';
import { SECURITY_HEADERS } from './common/http/security-headers';
import type { AppConfig } from './config/config.schema';
import { openDatabase } from './database/database.module';
import { setupSwagger } from './openapi/swagger';
import { DeliveryService } from './work/delivery.service';
import { ReportService } from './work/report.service';
import { workLaneRoutes } from './work/work.lane';

/** Paths the console must never shadow: unknown ones there are JSON 404s, not the SPA. */
const API_PREFIXES = [
  '/api/',
  '/inner/',
  '/agent/',
  '/install/',
  '/swagger',
  '/healthz',
  '/readyz',
  '/health',
  '/metrics',
];

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  for (const [name, value] of SECURITY_HEADERS) response.setHeader(name, value);
  next();
}

/** JSON body parsing whose errors (malformed, too large) become problem bodies, not HTML pages. */
function jsonBody(limitBytes: number) {
  const read = jsonBodyReader(limitBytes);
  const logger = new Logger('Http');
  return (request: Request, response: Response, next: NextFunction) =>
    read(request, response).then(
      () => next(),
      (error: unknown) => writeProblem(request, response, error, logger),
    );
}

function resolveConsoleDir(config: AppConfig): string | null {
  const candidate = config.consoleDir ?? path.resolve(__dirname, '../../console/dist');
  return existsSync(path.join(candidate, 'index.html')) ? candidate : null;
}

/** Serves the built console at `/`, with the SPA's index.html for its client-side routes. */
function serveConsole(app: NestExpressApplication, config: AppConfig): void {
  const dir = resolveConsoleDir(config);
  const isApiPath = (url: string) =>
    API_PREFIXES.some((prefix) => url === prefix.replace(/\/$/, '') || url.startsWith(prefix));
  if (!dir) {
    new Logger('Console').warn(
      'console not built (apps/console/dist missing); run `npm run build` to serve it',
    );
    app.use((request: Request, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' || isApiPath(request.path)) return next();
      response
        .status(200)
        .type('text/plain')
        .send('Outpost manager is running. The console is not built: run `npm run build`.\n');
    });
    return;
  }
  const assets = express.static(dir, { index: false, maxAge: '1h' });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' || isApiPath(request.path)) return next();
    assets(request, response, () => {
      if (path.extname(request.path)) return next();
      response.setHeader('Cache-Control', 'no-cache');
      response.sendFile(path.join(dir, 'index.html'));
    });
  });
}

/** Builds the manager's HTTP application (used by main and by the tests). */
export async function createApp(
  config: AppConfig,
  options: { logger?: false } = {},
): Promise<NestExpressApplication> {
  const dataSource = await openDatabase(config.database);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, dataSource), {
    bodyParser: false,
    logger: options.logger === false ? false : LOG_LEVELS[config.logLevel],
  });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestIdMiddleware);
  app.use(securityHeaders);
  app.use(jsonBody(config.bodyLimitBytes));
  // Same-origin by default: the console is served by the manager itself.
  app.enableCors(config.corsOrigins.length ? { origin: config.corsOrigins } : { origin: false });
  setupSwagger(app);
  serveConsole(app, config);
  // The agent protocol's hot routes (poll, report) skip Express: ARCHITECTURE §10 wants the poll at
  // half of bare node:http, and Express alone reaches about 0.29 of it (common/http/agent-lane.ts).
  // Mounted on the server itself, so app.listen() and tests serving getHttpServer() both get it.
  const lane = createAgentLane(workLaneRoutes(app.get(DeliveryService), app.get(ReportService)), {
    config,
    clock: app.get(Clock),
  });
  mountAhead(app.getHttpServer(), lane);
  app.enableShutdownHooks();
  return app;
}
