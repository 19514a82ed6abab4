/** The admin API's OpenAPI 3.1 document, generated from the same route table and zod schemas. */
import { z } from 'zod';
import { ADMIN_ERROR_CODES } from './errors.js';

export interface AdminRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** The success status (200 unless the route says 201 or 202). */
  status?: number;
}

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
};

const SUCCESS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

const ERROR = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: {
      type: 'string',
      enum: ADMIN_ERROR_CODES,
    },
    message: { type: 'string' },
    details: {},
  },
};

export function openApiDocument(prefix: string, routes: AdminRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = `${prefix}${route.path}`.replace(/:(\w+)/g, '{$1}');
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = route.query
      ? Object.entries((jsonSchema(route.query).properties ?? {}) as Record<string, unknown>).map(
          ([name, schema]) => ({ name, in: 'query', required: false, schema }),
        )
      : [];
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      parameters: [...params, ...query],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses: {
        // The route's own success status: a 201 or 202 documented as 200 would be checked
        // against the error schema by clients that validate responses.
        [String(route.status ?? 200)]: { description: SUCCESS[route.status ?? 200] ?? 'OK' },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tobira admin API', version: '1' },
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (`tobira apikey create`)' },
      },
      schemas: { Error: ERROR },
    },
    paths,
  };
}
