/**
 * What Swagger UI's "Try it out" sends must work: each operation is called with the example its
 * document gives (path and query parameters, and the body Swagger UI builds from the schema), and
 * must answer its documented success status; every error example must carry its own status.
 */
import { STATUS_CODES } from 'node:http';
import { startApp, type TestApp } from './helpers.js';

interface Schema {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  example?: unknown;
  schema?: Schema;
}
interface Content {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Content> };
  responses: Record<string, { content?: Record<string, Content> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

let t: TestApp;
let doc: Document;

beforeAll(async () => {
  t = await startApp();
  doc = (await t.get('/docs/json').expect(200)).body as Document;
});
afterAll(() => t.close());

function resolve(schema: Schema): Schema {
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]!);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map(resolve), { allOf: undefined });
  return schema;
}

/** The value Swagger UI puts in "Try it out" for a schema: its example, else one built from it. */
function sample(given: Schema): unknown {
  const schema = resolve(given);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  const choice = schema.oneOf ?? schema.anyOf;
  if (choice) return sample(choice[0]!);
  if (schema.properties) {
    // Swagger UI fills in every property, the optional ones too.
    return Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, sample(property)]),
    );
  }
  switch (schema.type) {
    case 'array':
      return [sample(schema.items ?? {})];
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return true;
    case 'string':
      return 'string';
    default:
      return {};
  }
}

function shownExample(content: Content): unknown {
  if (content.example !== undefined) return content.example;
  if (content.examples) return Object.values(content.examples)[0]!.value;
  return content.schema ? sample(content.schema) : undefined;
}

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

/** What an example needs first: created coupons and users, a redemption before its rollback. */
function rank({ path, method }: { path: string; method: string }): number {
  // Deeper paths first: a user's usage of a coupon goes before the coupon itself.
  if (method === 'delete') return 10 - path.split('/').length;
  if (method === 'post' && (path === '/coupons' || path === '/users')) return 0;
  if (method === 'post' && path === '/redemptions') return 1;
  if (method === 'post' && path.endsWith('/code-batches')) return 1; // before its codes are read
  if (method === 'post') return 4; // rollbacks and resets
  return 2;
}

/** The first code of the example coupon's first batch, which an earlier example created. */
async function firstUniqueCode(): Promise<string> {
  const page = await t.get('/coupons/SAVE10/code-batches/1/codes?limit=1').expect(200);
  return (page.body as { items: string[] }).items[0]!;
}

describe('OpenAPI examples', () => {
  it('declares every request body property with a type its example has', () => {
    const mismatches: string[] = [];
    for (const { path, method, operation } of operations()) {
      const schema = operation.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      const check = (given: Schema, where: string) => {
        const resolved = resolve(given);
        for (const [name, property] of Object.entries(resolved.properties ?? {})) {
          const p = resolve(property);
          const value = sample(p);
          const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
          const declared = p.type === 'integer' ? 'number' : (p.type ?? 'object');
          const untyped = declared === 'object' && !p.properties;
          if (untyped || (type !== declared && !(type === 'null' && p.nullable))) {
            mismatches.push(`${method} ${path} ${where}${name}: ${p.type} but example ${type}`);
          }
          if (p.properties || p.$ref || p.allOf) check(property, `${where}${name}.`);
        }
      };
      check(schema, '');
    }
    expect(mismatches).toEqual([]);
  });

  it('shows in each error example the status it documents', () => {
    const wrong: string[] = [];
    for (const { path, method, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const contents = Object.values(response.content ?? {});
        // Rejected redemptions and rollbacks (422, 404) answer with their outcome, not an error.
        if (contents.some((c) => c.schema && !resolve(c.schema).properties?.statusCode)) continue;
        const example = contents[0] && (shownExample(contents[0]) as Record<string, unknown>);
        const expected = { statusCode: Number(status), error: STATUS_CODES[status] };
        if (example?.statusCode !== expected.statusCode || example?.error !== expected.error) {
          wrong.push(`${method} ${path} ${status}: ${JSON.stringify(example)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers each documented example with its documented success status', async () => {
    const ordered = operations()
      .filter(
        ({ operation }) =>
          operation.requestBody !== undefined ||
          Object.values(operation.responses).some((r) => r.content?.['application/json']),
      )
      .sort((a, b) => rank(a) - rank(b));
    expect(ordered.length).toBeGreaterThan(10);
    const results: string[] = [];
    const expected: string[] = [];
    for (const { path, method, operation } of ordered) {
      const parameters = operation.parameters ?? [];
      const value = (p: Parameter) => p.example ?? p.schema?.example ?? p.schema?.default;
      let url = path;
      for (const p of parameters.filter((p) => p.in === 'path')) {
        expect([`${method} ${path}: ${p.name}`, value(p)]).not.toContainEqual(undefined);
        // A unique code derives from its coupon's secret: no document can give a real one, so the
        // example coupon's first code stands in for the example.
        const given = p.name === 'uniqueCode' ? await firstUniqueCode() : value(p);
        url = url.replace(`{${p.name}}`, encodeURIComponent(String(given)));
      }
      const query = new URLSearchParams(
        parameters
          .filter((p) => p.in === 'query' && value(p) !== undefined)
          .map((p): [string, string] => [p.name, String(value(p))]),
      ).toString();
      if (query) url += `?${query}`;
      // 202 is the answer when no decision came in time.
      const success = Object.keys(operation.responses)
        .map(Number)
        .filter((status) => status >= 200 && status < 300 && status !== 202)
        .sort()[0];
      if (success === undefined) continue;
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const body = bodySchema ? sample(bodySchema) : undefined;
      const call = (t as unknown as Record<string, (u: string, b?: unknown) => Promise<unknown>>)[
        method === 'delete' ? 'delete' : method
      ]!;
      const response = (await call(url, body)) as { status: number; body: unknown };
      results.push(`${method} ${url} -> ${response.status} ${JSON.stringify(response.body)}`);
      expected.push(`${method} ${url} -> ${success}`);
    }
    expect(results.map((line) => line.replace(/ -> (\d+).*/, ' -> $1'))).toEqual(expected);
  });
});
