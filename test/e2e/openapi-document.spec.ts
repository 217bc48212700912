// The engine's OpenAPI document (`/docs-json`) as a contract: it validates as OpenAPI, every
// operation declares its success body and its problem+json errors, the console's types are generated
// from it (`npm run api-types`), and the response check of the e2e helpers holds the engine to it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import prettier from 'prettier';
import { assertDocumentedResponse, newProgram, responseChecker, startTestEngine, type OpenApiDocument, type TestEngine } from '@partner-ledger/testing';

const API_TYPES = fileURLToPath(new URL('../../libs/console/client/api-types.ts', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * The console's types from the document, formatted as the repository formats TypeScript. A property
 * with a default stays optional (`defaultNonNullable: false`): the document's defaults are on request
 * bodies' fields, which the client may leave out.
 */
async function apiTypesOf(document: OpenApiDocument): Promise<string> {
  const header = `${COMMENT_HEADER}// Generated from the engine's OpenAPI document by \`npm run api-types\`; test/e2e/openapi-document.spec.ts fails when it is stale.\n\n`;
  const text = header + astToString(await openapiTS(document as never, { silent: true, defaultNonNullable: false }));
  const options = await prettier.resolveConfig(API_TYPES);
  return prettier.format(text, { ...options, filepath: API_TYPES });
}

describe('the OpenAPI document', () => {
  let engine: TestEngine;
  let json: string;
  let document: OpenApiDocument;

  beforeAll(async () => {
    engine = await startTestEngine();
    json = await (await fetch(`${engine.url}/docs-json`)).text();
    document = JSON.parse(json) as OpenApiDocument;
  });
  afterAll(() => engine.stop());

  it('validates as OpenAPI 3.1 with a standard validator', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(JSON.parse(json) as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('declares a success body schema (or 204) and problem+json errors for every operation', () => {
    const missing: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const responses = (item[method] as { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } | undefined)?.responses;
        if (!responses) continue;
        operations++;
        const where = `${method.toUpperCase()} ${path}`;
        const successes = Object.entries(responses).filter(([status]) => /^2/.test(status));
        if (!successes.length) missing.push(`${where}: no 2xx response`);
        for (const [status, response] of successes) {
          if (status === '204') continue;
          const schemas = Object.values(response.content ?? {}).filter((m) => m.schema);
          if (!schemas.length) missing.push(`${where}: ${status} has no content schema`);
        }
        for (const [status, response] of Object.entries(responses).filter(([s]) => /^[45]/.test(s))) {
          if (!response.content?.['application/problem+json']?.schema) missing.push(`${where}: ${status} is not application/problem+json`);
        }
        if (!responses['4XX'] || !responses['5XX']) missing.push(`${where}: no 4XX/5XX problem responses`);
      }
    }
    expect(operations).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it('is what libs/console/client/api-types.ts was generated from (UPDATE_API_TYPES=1 rewrites it: npm run api-types)', async () => {
    const fresh = await apiTypesOf(document);
    if (process.env.UPDATE_API_TYPES === '1') writeFileSync(API_TYPES, fresh);
    const current = readFileSync(API_TYPES, 'utf8');
    // toBe prints the differing lines; the hint says what to do about them.
    expect({ upToDate: current === fresh, fix: current === fresh ? '' : 'run `npm run api-types` and commit the file' }).toEqual({ upToDate: true, fix: '' });
  });

  it("fails a call whose answer is not the documented one, naming the route, the status and the schema's complaint", async () => {
    const program = await newProgram(engine);
    const res = await program.post('/partners', { email: `doc-${Date.now()}@example.com`, name: 'Doc' });
    expect(res.status).toBe(201);
    const checker = responseChecker(json);
    expect(() => assertDocumentedResponse(checker, 'POST', program.path('/partners'), res)).not.toThrow();
    const { email: _dropped, ...withoutEmail } = res.body as Record<string, unknown>;
    expect(() => assertDocumentedResponse(checker, 'POST', program.path('/partners'), { ...res, body: withoutEmail })).toThrow(
      /POST \/v1\/programs\/\{pid\}\/partners .* answered 201; the body does not match the schema documented for 201 application\/json: body must have required property 'email'/,
    );
    expect(() => assertDocumentedResponse(checker, 'POST', program.path('/partners'), { ...res, body: { ...res.body, status: 42 } })).toThrow(/body\/status must be string/);
    // A field the document does not declare fails too: the console's types would not know it.
    expect(() => assertDocumentedResponse(checker, 'POST', program.path('/partners'), { ...res, body: { ...res.body, surprise: 1 } })).toThrow(
      /body must NOT have additional properties \(surprise\)/,
    );
    // An undocumented status, and an error that is not problem+json, fail too.
    const plainHeaders = new Headers({ 'content-type': 'application/json' });
    expect(() => assertDocumentedResponse(checker, 'DELETE', program.path('/webhook-endpoints/we_1'), { status: 200, headers: plainHeaders, body: {} })).toThrow(
      /answered 200, a status the document does not declare/,
    );
    expect(() => assertDocumentedResponse(checker, 'GET', program.path(''), { status: 404, headers: plainHeaders, body: { message: 'nope' } })).toThrow(
      /as application\/json, but the document declares application\/problem\+json for 4XX/,
    );
  });
});
