// Every answer the e2e suites get from the engine is checked against the engine's own OpenAPI
// document (`/docs-json`): the operation is found by method and path, the response by status (the
// exact code, then its `4XX`-style range, then `default`), and a JSON body is validated against the
// schema documented for its media type. A controller that changes what it answers without changing
// its DTOs fails the suite that calls it. Not a spec itself (jest matches *.spec.ts).
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

interface MediaType {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaType>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const DOCUMENT_ID = 'openapi-document';

/** One document's compiled checks: each schema is compiled once, on first use, per process. */
export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { method: string; template: string; pattern: RegExp }[] = [];

  constructor(private readonly document: OpenApiDocument) {
    // The whole document is one schema resource, so a response schema's `#/components/schemas/X`
    // resolves inside it; the OpenAPI keywords around the schemas are ignored (strict: false).
    this.ajv.addSchema({ ...closed(structuredClone(document)), $id: DOCUMENT_ID });
    for (const [template, item] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}$`);
      for (const method of Object.keys(item)) this.routes.push({ method: method.toUpperCase(), template, pattern });
    }
    // A literal segment wins over a parameter (…/webhook-endpoints/filter-test over …/{id}).
    this.routes.sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length);
  }

  /** The operation answering `method path`, or undefined when the document has none (e.g. /health). */
  route(method: string, path: string) {
    const bare = path.split('?')[0];
    return this.routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(bare));
  }

  /** Problems with this answer, each a sentence; empty when it matches the document. */
  check(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
    const route = this.route(method, path);
    if (!route) return [];
    const operation = this.document.paths[route.template][route.method.toLowerCase()];
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
    const where = `${route.method} ${route.template} (${method.toUpperCase()} ${path}) answered ${status}`;
    if (!key) return [`${where}, a status the document does not declare (it declares ${Object.keys(responses).join(', ')})`];
    const content = responses[key].content;
    if (!content) return body === undefined || body === '' ? [] : [`${where} with a body, but the document declares none for ${key}`];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    if (!content[mediaType]) return [`${where} as ${mediaType || 'no content type'}, but the document declares ${Object.keys(content).join(', ')} for ${key}`];
    if (!/[/+]json$/.test(mediaType) || content[mediaType].schema === undefined) return [];
    const pointer = ['paths', route.template, route.method.toLowerCase(), 'responses', key, 'content', mediaType, 'schema'].map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    if (validate(body)) return [];
    return [`${where}; the body does not match the schema documented for ${key} ${mediaType}: ${(validate.errors ?? []).map(describe).join('; ')}`];
  }
}

/**
 * The check is stricter than the document: an object schema that lists its properties and says
 * nothing of others admits no others, so a field a controller starts sending without documenting it
 * fails too (the console's types would not know it). Objects documented as open
 * (`additionalProperties: true` or a schema) stay open.
 */
function closed<T>(node: T): T {
  if (Array.isArray(node)) {
    for (const item of node) closed(item);
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.properties && typeof o.properties === 'object' && o.additionalProperties === undefined) o.additionalProperties = false;
    for (const value of Object.values(o)) closed(value);
  }
  return node;
}

/** One schema complaint, naming where in the body and, for an undocumented field, which. */
function describe(error: ErrorObject): string {
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return `body${error.instancePath} ${error.message ?? 'is invalid'}${extra === undefined ? '' : ` (${extra})`}`;
}

const checkers = new Map<string, ResponseChecker>();

/** The checker of this document (its JSON text), built once per process for each distinct document. */
export function responseChecker(documentJson: string): ResponseChecker {
  let checker = checkers.get(documentJson);
  if (!checker) {
    checker = new ResponseChecker(JSON.parse(documentJson) as OpenApiDocument);
    checkers.set(documentJson, checker);
  }
  return checker;
}

/** Throws, naming the route, the status and the schema error, when the answer is not the documented one. */
export function assertDocumentedResponse(checker: ResponseChecker, method: string, path: string, res: { status: number; headers: Headers; body: unknown }): void {
  const problems = checker.check(method, path, res.status, res.headers.get('content-type'), res.body);
  if (problems.length) throw new Error(`Response does not match the OpenAPI document: ${problems.join('\n')}\nbody: ${JSON.stringify(res.body)?.slice(0, 2000)}`);
}
