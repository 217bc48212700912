// The write routes as the engine's own OpenAPI document lists them, so that a route added later is
// fuzzed without anyone editing a list. Not a spec itself (jest matches *.spec.ts).

/** The subset of OpenAPI's schema object the generators read; `$ref` and `allOf` are resolved away. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  nullable?: boolean;
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
}

export interface WriteRoute {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template, e.g. `/v1/programs/{pid}/partners`. */
  path: string;
  /** The JSON request body's schema; undefined when the route declares none. */
  schema: JsonSchema | undefined;
  parameters: ParameterSpec[];
  /** False for the public routes (no `security`): the incoming-webhook URLs. */
  authenticated: boolean;
}

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, RawSchema> };
}
interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: RawSchema }> };
  security?: unknown[];
}
type RawSchema = Omit<JsonSchema, 'type'> & { type?: string | string[]; $ref?: string; allOf?: RawSchema[]; anyOf?: RawSchema[]; properties?: Record<string, RawSchema>; items?: RawSchema };

/** Every POST, PUT, PATCH and DELETE of the document, in its order. */
export function writeRoutesOf(doc: OpenApiDocument): WriteRoute[] {
  const routes: WriteRoute[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const method of WRITE_METHODS) {
      const op = operations[method];
      if (!op) continue;
      const raw = op.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase() as WriteRoute['method'],
        path,
        schema: raw ? resolveSchema(doc, raw) : undefined,
        parameters: (op.parameters ?? []).filter((p): p is ParameterSpec => p.in === 'path' || p.in === 'query' || p.in === 'header'),
        authenticated: (op.security ?? []).length > 0,
      });
    }
  }
  return routes;
}

/** `$ref` followed and `allOf` merged, recursively; a schema that refers back to itself stops at 8 levels. */
export function resolveSchema(doc: OpenApiDocument, schema: RawSchema, depth = 0): JsonSchema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`OpenAPI document: unresolved ${schema.$ref}`);
    return resolveSchema(doc, target, depth + 1);
  }
  const { $ref: _ref, allOf, anyOf, properties, items, type, ...rest } = schema;
  let out: JsonSchema = { ...rest };
  // The document is OpenAPI 3.1 (it lists the webhooks): a nullable value is `type: [T, "null"]`, or
  // `anyOf: [<ref>, {type: "null"}]` for a nested DTO; read back as 3.0's `nullable`.
  if (Array.isArray(type)) {
    const types = type.filter((t) => t !== 'null');
    out.type = types[0];
    if (types.length < type.length) out.nullable = true;
  } else if (type !== undefined) {
    out.type = type;
  }
  const nonNull = anyOf?.filter((part) => part.type !== 'null');
  if (anyOf && nonNull?.length === 1) {
    const resolved = resolveSchema(doc, nonNull[0], depth + 1);
    out = { ...resolved, ...out, nullable: nonNull.length < anyOf.length || out.nullable };
  }
  for (const part of allOf ?? []) {
    const resolved = resolveSchema(doc, part, depth + 1);
    out = { ...resolved, ...out, properties: { ...resolved.properties, ...out.properties }, required: [...(resolved.required ?? []), ...(out.required ?? [])] };
  }
  if (properties) out.properties = { ...out.properties, ...Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, resolveSchema(doc, v, depth + 1)])) };
  if (items) out.items = resolveSchema(doc, items, depth + 1);
  return out;
}
