import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

export interface OpenApiOptions {
  title: string;
  version?: string;
  description?: string;
}

export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs-json';

/** Clients `$ref` this to describe error responses. */
export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'instance'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://partner-ledger.dev/problems/validation_failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string' },
    code: { type: 'string', example: 'validation_failed' },
    instance: { type: 'string', example: '/v1/programs' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'reason'],
        properties: { field: { type: 'string', example: 'partner.key' }, reason: { type: 'string' } },
      },
    },
  },
};

/**
 * `/docs-json` comes from `SwaggerModule.setup`. The UI at `/docs` is served here instead of by
 * SwaggerModule (`ui: false`): SwaggerModule serves its assets through `@fastify/static`, which
 * requires the ESM-only `content-disposition`. Plain Node 20.19+ loads that, but Jest's module
 * loader cannot before Node 24.9, and `loadPackage` then calls `process.exit(1)`, killing the
 * test worker of every app that uses this platform. The document is built on first request, so a
 * global prefix or versioning the app sets after `createHttpApp()` still shows in it.
 */
export function mountOpenApi(app: INestApplication, opts: OpenApiOptions): void {
  const config = new DocumentBuilder()
    .setTitle(opts.title)
    .setDescription(opts.description ?? `${opts.title} HTTP API. Errors are ${PROBLEM_CONTENT_TYPE} (RFC 9457).`)
    .setVersion(opts.version ?? '0.0.0')
    .addBearerAuth()
    .build();
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup(
    DOCS_PATH,
    app,
    () => {
      if (!document) {
        document = SwaggerModule.createDocument(app, config);
        document.components = {
          ...document.components,
          schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA },
        };
      }
      return document;
    },
    { ui: false, raw: ['json'] },
  );
  serveSwaggerUi(app.getHttpAdapter().getInstance() as FastifyInstance, opts.title);
}

// Only these files are served, so the route cannot be walked out of the package directory.
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

// swagger-ui-dist is @nestjs/swagger's dependency, so it is resolved from there.
function swaggerUiDistDir(): string {
  const fromHere = createRequire(import.meta.url);
  const fromSwagger = createRequire(fromHere.resolve('@nestjs/swagger'));
  return dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
}

function serveSwaggerUi(fastify: FastifyInstance, title: string): void {
  const dir = swaggerUiDistDir();
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<title>${escapeHtml(title)} API</title>
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
<link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
<style>body { margin: 0 }</style>
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/swagger-ui-standalone-preset.js"></script>
<script src="${DOCS_PATH}/swagger-initializer.js"></script>
</body>
</html>
`;
  const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(DOCS_JSON_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;
  fastify.get(DOCS_PATH, (_req, reply) => {
    reply.type('text/html; charset=utf-8').send(html);
  });
  fastify.get(`${DOCS_PATH}/swagger-initializer.js`, (_req, reply) => {
    reply.type('application/javascript; charset=utf-8').send(initializer);
  });
  fastify.get<{ Params: { asset: string } }>(`${DOCS_PATH}/:asset`, (req, reply) => {
    const type = Object.hasOwn(ASSETS, req.params.asset) ? ASSETS[req.params.asset] : undefined;
    if (!type) return reply.callNotFound();
    return reply
      .type(type)
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(join(dir, req.params.asset)));
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
