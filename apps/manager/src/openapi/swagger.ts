import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { MANAGER_VERSION } from '../version';
import { buildOpenApiDocument } from './openapi-document';

/** Swagger UI at /swagger, the document at /swagger/json; both public, like Klevr's. */
export function setupSwagger(app: NestExpressApplication): void {
  const document = buildOpenApiDocument(MANAGER_VERSION);
  SwaggerModule.setup('swagger', app, document as unknown as Parameters<typeof SwaggerModule.setup>[2], {
    jsonDocumentUrl: 'swagger/json',
    yamlDocumentUrl: 'swagger/yaml',
    customSiteTitle: 'Outpost API',
  });
}
