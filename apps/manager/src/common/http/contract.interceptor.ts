import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';
import { map, type Observable } from 'rxjs';
import type { z } from 'zod';
import { AppError } from '../errors/app-error';
import { ROUTE_DEFINITION, setValidatedInput } from './api-route.decorator';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config.schema';

type Part = 'params' | 'query' | 'body';

function parsePart(schema: z.ZodType | undefined, value: unknown, part: Part): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const summary = details
    .slice(0, 3)
    .map((detail) => `${detail.path}: ${detail.message}`)
    .join('; ');
  return Promise.reject(new AppError('VALIDATION_FAILED', `Invalid request: ${summary}`, details));
}

function hasNonJsonBody(request: Request): boolean {
  const length = Number(request.headers['content-length'] ?? 0);
  const chunked = request.headers['transfer-encoding'] !== undefined;
  return (length > 0 || chunked) && !request.is('application/json');
}

/**
 * Validates path params, query and body with the route's shared zod schemas before the handler
 * runs; a failure is a 400 listing every failing path and nothing is stored. In tests it also checks
 * every answer against the response schema, so the contract cannot drift from the code.
 */
@Injectable()
export class ContractInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const definition = this.reflector.get<RouteDefinition | undefined>(
      ROUTE_DEFINITION,
      context.getHandler(),
    );
    if (!definition) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if (definition.body && hasNonJsonBody(request)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the body as JSON with Content-Type: application/json',
      );
    }
    const body: unknown = request.body === undefined ? {} : request.body;
    setValidatedInput(request, {
      params: await parsePart(definition.params, request.params, 'params'),
      query: await parsePart(definition.query, request.query, 'query'),
      body: await parsePart(definition.body, body, 'body'),
    });
    const responseSchema = definition.response;
    if (!this.config.validateResponses || !responseSchema) return next.handle();
    return next.handle().pipe(
      map((value: unknown) => {
        const checked = responseSchema.safeParse(value);
        if (!checked.success) {
          throw new Error(`response of ${definition.id} breaks its contract: ${checked.error.message}`);
        }
        return value;
      }),
    );
  }
}
