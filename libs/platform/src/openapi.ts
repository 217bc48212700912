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

/**
 * A callback the app sends (an OpenAPI 3.1 webhook): its name (the topic), what it means, the JSON
 * Schema of its body and an example. An app that sends webhooks provides the list under
 * `OPENAPI_WEBHOOKS`; the document then declares OpenAPI 3.1.0, the first version with `webhooks`.
 */
export interface OpenApiWebhook {
  name: string;
  description: string;
  schema: Record<string, unknown>;
  example?: unknown;
  /** Request headers the receiver gets, by name. */
  headers?: Record<string, string>;
}
export const OPENAPI_WEBHOOKS = 'OPENAPI_WEBHOOKS';

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
        properties: {
          field: { type: 'string', example: 'partner.key' },
          reason: { type: 'string' },
          code: { type: 'string', description: "This field's own code, when the fields of one problem have different ones" },
          path: { type: 'string', description: 'Incoming webhooks: the path into the payload the field was mapped from', example: 'order.amount' },
        },
      },
    },
    requestId: { type: 'string', description: "Incoming webhook URLs: the request's id in the webhook's request log" },
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
        addWebhooks(document, providedWebhooks(app));
        addProblemResponses(document);
      }
      return document;
    },
    { ui: false, raw: ['json'] },
  );
  serveSwaggerUi(app.getHttpAdapter().getInstance() as FastifyInstance, opts.title);
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const problemContent = () => ({ [PROBLEM_CONTENT_TYPE]: { schema: { ...PROBLEM_REF } } });
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Every error the app answers is problem+json (the ProblemFilter writes them all), so the document
 * says so once here rather than on each route: an error response a controller declared with only a
 * description gets the Problem body, and every operation gets `4XX` and `5XX` ranges for the errors
 * it does not name (bad input, auth, an unknown id, a failure). Routes still declare their notable
 * codes themselves, with the `code`s they answer.
 */
export function addProblemResponses(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses = (operation.responses ??= {}) as Record<string, { description: string; content?: Record<string, unknown> }>;
      for (const [status, response] of Object.entries(responses)) {
        if (/^[45]/.test(status) && !response.content) response.content = problemContent();
      }
      responses['4XX'] ??= { description: 'Refused: bad input, a missing or wrong key, an unknown id, a conflict (`code` names which)', content: problemContent() };
      responses['5XX'] ??= { description: 'The engine failed or is not ready', content: problemContent() };
    }
  }
}

/** The webhooks the app provides under `OPENAPI_WEBHOOKS`, or none. */
function providedWebhooks(app: INestApplication): OpenApiWebhook[] {
  try {
    return app.get<OpenApiWebhook[]>(OPENAPI_WEBHOOKS, { strict: false }) ?? [];
  } catch {
    // Apps that send no webhooks provide no list.
    return [];
  }
}

/**
 * Nest's DocumentBuilder writes OpenAPI 3.0, which has no `webhooks`; the document is raised to
 * 3.1.0 when there are any, each webhook a POST whose body `$ref`s its schema, kept under
 * `components.schemas` as `<name>Webhook`. 3.1's schemas are JSON Schema 2020-12, which has no
 * `nullable`: what Nest wrote with it is rewritten first (see `withoutNullable`).
 */
export function addWebhooks(document: OpenAPIObject, webhooks: readonly OpenApiWebhook[]): void {
  if (!webhooks.length) return;
  const doc = withoutNullable(document) as OpenAPIObject & { webhooks?: Record<string, unknown> };
  doc.openapi = '3.1.0';
  doc.webhooks = {};
  const schemas = { ...doc.components?.schemas };
  for (const hook of webhooks) {
    const ref = `${hook.name}Webhook`;
    schemas[ref] = hook.schema as SchemaObject;
    doc.webhooks[hook.name] = {
      post: {
        operationId: `webhook_${hook.name}`,
        summary: hook.name,
        description: hook.description,
        parameters: Object.entries(hook.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } })),
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` }, ...(hook.example === undefined ? {} : { example: hook.example }) } },
        },
        responses: { '2XX': { description: 'Received. Any other answer (or none in time) is retried.' } },
      },
    };
  }
  doc.components = { ...doc.components, schemas };
}

/**
 * 3.0's `nullable: true` in 3.1 terms: `type: T` becomes `type: [T, "null"]`; a `$ref` wrapped in
 * `allOf` (how Nest writes a nullable nested DTO) becomes `anyOf: [<ref>, {type: "null"}]`; an
 * `enum` gets `null` among its values.
 * Rewrites in place and answers the same object.
 */
function withoutNullable<T>(node: T): T {
  if (Array.isArray(node)) {
    for (const item of node) withoutNullable(item);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.nullable === true) {
      delete o.nullable;
      if (Array.isArray(o.allOf)) {
        o.anyOf = [...(o.allOf as unknown[]), { type: 'null' }];
        delete o.allOf;
        delete o.type;
      } else if (typeof o.type === 'string') {
        o.type = [o.type, 'null'];
      }
      // An enum lists every value allowed, so null must be among them too.
      if (Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...(o.enum as unknown[]), null];
    } else if (o.nullable === false) {
      delete o.nullable;
    }
    for (const value of Object.values(o)) withoutNullable(value);
  }
  return node;
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
