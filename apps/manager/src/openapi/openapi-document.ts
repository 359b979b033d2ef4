import { allApiRoutes, problemSchema, type RouteDefinition } from '@outpost/shared';
import { z } from 'zod';

type JsonSchema = Record<string, unknown>;
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, unknown> };
  tags: { name: string }[];
}

const COMPONENT_PREFIX = '#/components/schemas/';

/**
 * Converts one zod schema, moving every named sub-schema (`.meta({ id })`) into the shared
 * components so the document references each model once.
 */
function convert(
  schema: z.ZodType,
  io: 'input' | 'output',
  components: Record<string, JsonSchema>,
): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  const definitions = (json.definitions ?? json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.definitions;
  delete json.$defs;
  delete json.$schema;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, inner]) => [
          key,
          key === '$ref' && typeof inner === 'string'
            ? inner.replace(/^#\/(definitions|\$defs)\//, COMPONENT_PREFIX)
            : rewrite(inner),
        ]),
      );
    }
    return value;
  };
  for (const [name, definition] of Object.entries(definitions)) {
    components[name] ??= rewrite(definition) as JsonSchema;
  }
  const id = z.globalRegistry.get(schema)?.id;
  if (id) {
    components[id] ??= rewrite(json) as JsonSchema;
    return { $ref: `${COMPONENT_PREFIX}${id}` };
  }
  return rewrite(json) as JsonSchema;
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

function parameters(definition: RouteDefinition, components: Record<string, JsonSchema>): unknown[] {
  const result: unknown[] = [];
  for (const [location, schema] of [
    ['path', definition.params],
    ['query', definition.query],
  ] as const) {
    if (!schema) continue;
    const json = convert(schema, 'input', components);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      const { description, ...propertySchema } = property;
      result.push({
        name,
        in: location,
        required: location === 'path' || required.has(name),
        description,
        schema: propertySchema,
      });
    }
  }
  return result;
}

function operation(
  definition: RouteDefinition,
  path: string,
  components: Record<string, JsonSchema>,
): Record<string, unknown> {
  const isAlias = path !== definition.path;
  const problem = {
    description: 'Problem',
    content: { 'application/json': { schema: { $ref: `${COMPONENT_PREFIX}Problem` } } },
  };
  const responses: Record<string, unknown> = {
    [definition.status]: definition.response
      ? {
          description: 'Success',
          content: { 'application/json': { schema: convert(definition.response, 'output', components) } },
        }
      : {
          description: 'Success',
          ...(definition.produces
            ? { content: { [definition.produces]: { schema: { type: 'string' } } } }
            : {}),
        },
    '4XX': problem,
    '5XX': problem,
  };
  return {
    operationId: isAlias
      ? `${definition.id}_${path
          .split('/')
          .filter(Boolean)
          .join('_')
          .replace(/[^A-Za-z0-9_]/g, '')}`
      : definition.id,
    tags: [isAlias ? `${definition.tag} (Klevr-compatible)` : definition.tag],
    summary: definition.summary,
    description:
      [
        definition.description,
        isAlias ? `Klevr-compatible alias of \`${definition.method} ${definition.path}\`.` : undefined,
      ]
        .filter(Boolean)
        .join('\n\n') || undefined,
    security: definition.access === 'public' ? [] : [{ bearer: [] }],
    'x-outpost-access': definition.access,
    parameters: parameters(definition, components),
    ...(definition.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: convert(definition.body, 'input', components) } },
          },
        }
      : {}),
    responses,
    ...(isAlias ? { deprecated: false } : {}),
  };
}

/** The OpenAPI 3.0 document, generated from the shared route definitions and nothing else. */
export function buildOpenApiDocument(version: string): OpenApiDocument {
  const components: Record<string, JsonSchema> = {};
  convert(problemSchema, 'output', components);
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const definition of allApiRoutes()) {
    for (const path of [definition.path, ...(definition.aliases ?? [])]) {
      const op = operation(definition, path, components);
      tags.add((op.tags as string[])[0]);
      (paths[openApiPath(path)] ??= {})[definition.method.toLowerCase()] = op;
    }
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  const sortedComponents = Object.fromEntries(
    Object.entries(components).sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    openapi: '3.0.3',
    info: {
      title: 'Outpost manager API',
      version,
      description:
        'Inner API for scripts and the console. Authenticate with `Authorization: Bearer <token>`: an access token from `POST /api/v1/auth/login` or a personal API token. Klevr-compatible `/inner/...` paths are served by the same handlers.',
    },
    paths: sortedPaths,
    components: {
      schemas: sortedComponents,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Access token or personal API token' },
      },
    },
    tags: [...tags].sort().map((name) => ({ name })),
  };
}
