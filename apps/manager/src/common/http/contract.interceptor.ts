import type { IncomingHttpHeaders } from 'node:http';
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

/**
 * The parsed (defaulted, transformed) part of a request, or a 400 VALIDATION_FAILED listing every
 * failing path. Also used by the agent lane, so both answer a bad input alike.
 */
export function parsePart(schema: z.ZodType | undefined, value: unknown, part: Part): unknown {
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
  throw new AppError('VALIDATION_FAILED', `Invalid request: ${summary}`, details);
}

/** Throws when a route with a response schema answered something else (only when responses are checked). */
export function checkResponse(definition: RouteDefinition, value: unknown): void {
  const checked = definition.response?.safeParse(value);
  if (checked && !checked.success) {
    throw new Error(`response of ${definition.id} breaks its contract: ${checked.error.message}`);
  }
}

/** `Content-Type: application/json`, with or without parameters: what Express's JSON parser reads. */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  const type = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return type.trim().toLowerCase() === 'application/json';
}

/** The refusal of a body that is there but not declared JSON. */
export const unsupportedMediaType = () =>
  new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with Content-Type: application/json');

/** A body is there (length or chunked) and it is not declared JSON: the JSON parser left it unread. */
export function hasNonJsonBody(headers: IncomingHttpHeaders): boolean {
  const length = Number(headers['content-length'] ?? 0);
  const chunked = headers['transfer-encoding'] !== undefined;
  return (length > 0 || chunked) && !isJsonMediaType(headers['content-type']);
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
    if (definition.body && hasNonJsonBody(request.headers)) throw unsupportedMediaType();
    const body: unknown = request.body === undefined ? {} : request.body;
    setValidatedInput(request, {
      params: parsePart(definition.params, request.params, 'params'),
      query: parsePart(definition.query, request.query, 'query'),
      body: parsePart(definition.body, body, 'body'),
    });
    if (!this.config.validateResponses || !definition.response) return next.handle();
    return next.handle().pipe(
      map((value: unknown) => {
        checkResponse(definition, value);
        return value;
      }),
    );
  }
}
