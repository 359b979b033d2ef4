import {
  applyDecorators,
  createParamDecorator,
  Delete,
  type ExecutionContext,
  Get,
  HttpCode,
  Patch,
  Post,
  Put,
  SetMetadata,
} from '@nestjs/common';
import type { HttpMethod, RouteDefinition } from '@outpost/shared';
import type { Request } from 'express';

export const ROUTE_DEFINITION = 'outpost:route-definition';

const methodDecorators: Record<HttpMethod, (path: string[]) => MethodDecorator> = {
  GET: Get,
  POST: Post,
  PUT: Put,
  PATCH: Patch,
  DELETE: Delete,
};

/**
 * Binds a handler to its shared route definition: paths (with Klevr aliases), success status,
 * access level (read by the auth guard) and input schemas (applied by the contract interceptor).
 * Controllers use `@Controller()` without a prefix; the definition holds the whole path.
 */
export function ApiRoute(definition: RouteDefinition): MethodDecorator {
  return applyDecorators(
    methodDecorators[definition.method]([definition.path, ...(definition.aliases ?? [])]),
    HttpCode(definition.status),
    SetMetadata(ROUTE_DEFINITION, definition),
  );
}

const VALIDATED_INPUT = Symbol('validatedInput');
export interface ValidatedInput {
  params: unknown;
  query: unknown;
  body: unknown;
}
type RequestWithInput = Request & { [VALIDATED_INPUT]?: ValidatedInput };

export function setValidatedInput(request: Request, input: ValidatedInput): void {
  (request as RequestWithInput)[VALIDATED_INPUT] = input;
}

/** The parsed (defaulted, transformed) params, query or body of the route's schemas. */
export const Input = createParamDecorator((part: keyof ValidatedInput, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<RequestWithInput>();
  return request[VALIDATED_INPUT]?.[part];
});
