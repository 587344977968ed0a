/**
 * Routes are declared once. A JSON route names its contract
 * (contracts/api.ts: body, query and response schemas) and adds its auth rule
 * and handler; the registry parses the body and the query before the handler
 * runs, checks what the handler answers against the response schema, and
 * writes the OpenAPI document from the same declarations, so neither the
 * document nor the web app's types can drift from the routes. Routes that
 * answer with files or playlists are declared with `raw` and their content type.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Role, User } from '../district/model.ts';
import { requireRole } from '../auth/policy.ts';
import type { Logger } from '../logger.ts';
import {
  endpoints,
  splitKey,
  type EndpointKey,
  type Endpoint,
  type Method,
  type ParamsOf,
  type PathParams,
  type ParsedBodyOf,
  type ParsedQueryOf,
  type ResponseOf,
} from '../../contracts/api.ts';
import { ErrorResponse } from '../../contracts/common.ts';

export type { Method };

/** What a handler returns when it wrote the answer itself (a CSV instead of JSON). */
export const SENT = Symbol('response sent');
type Sent = typeof SENT;

/** Answers with a CSV download (the spreadsheet variant of a JSON endpoint, ?format=csv). */
export function sendCsv(res: Response, filename: string, csv: string): Sent {
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
  res.send(csv);
  return SENT;
}

export interface HandlerContext<B, Q, P> {
  req: Request;
  res: Response;
  user: User;
  body: B;
  query: Q;
  params: P;
  /** What a trailing wildcard (`/*path`) matched, as one '/'-joined string ('' without one). */
  rest: string;
}

type Auth = 'public' | 'any' | readonly Role[];

export interface RouteSpec<K extends EndpointKey> {
  summary: string;
  tag: string;
  /** 'public' needs no login; 'any' any logged-in user; else the roles allowed. */
  auth: Auth;
  status?: number;
  handler: (
    ctx: HandlerContext<ParsedBodyOf<K>, ParsedQueryOf<K>, ParamsOf<K>>,
  ) => Promise<ResponseOf<K> | Sent> | ResponseOf<K> | Sent;
}

export interface RawRouteSpec<P extends string> {
  method: Method;
  path: P;
  summary: string;
  tag: string;
  auth: Auth;
  /** The content types it answers with (playlists, segments, files, XML). */
  produces: readonly string[];
  handler: (ctx: HandlerContext<unknown, Record<string, unknown>, PathParams<P>>) => Promise<void>;
}

interface Declared {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  status: number;
  contract?: Endpoint;
  produces?: readonly string[];
  handler: (ctx: HandlerContext<unknown, unknown, Record<string, string>>) => unknown;
}

/** How answers are checked against their contract: refuse (tests), log, or not at all. */
export type ResponseCheck = 'strict' | 'log' | 'off';

const issuesOf = (where: string, e: z.ZodError) => ({
  text: e.issues.map((i) => `${[where, ...i.path].join('.')}: ${i.message}`).join('; '),
  details: e.issues.map((i) => ({ path: [where, ...i.path].join('.'), message: i.message })),
});

function parse(schema: z.ZodType | undefined, value: unknown, where: 'body' | 'query'): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const { text, details } = issuesOf(where, parsed.error);
  throw new AppError('VALIDATION_FAILED', text, details);
}

/** Express 5 gives a `*name` wildcard as an array of segments. */
function wildcard(path: string, params: Request['params']): string {
  const name = /\*(\w+)$/.exec(path)?.[1];
  const v: unknown = name ? (params as Record<string, unknown>)[name] : undefined;
  return Array.isArray(v) ? v.join('/') : typeof v === 'string' ? v : '';
}

export class RouteRegistry {
  readonly #routes: Declared[] = [];
  readonly #check: ResponseCheck;
  readonly #logger?: Logger;

  constructor(o: { responseCheck?: ResponseCheck; logger?: Logger } = {}) {
    this.#check = o.responseCheck ?? 'log';
    this.#logger = o.logger;
  }

  /** Every declared route as method and path (tests walk them). */
  get routes(): readonly { method: Method; path: string; auth: Auth; contract?: Endpoint }[] {
    return this.#routes;
  }

  /** A JSON route of the contract. */
  add<K extends EndpointKey>(key: K, spec: RouteSpec<K>): void {
    const { method, path } = splitKey(key);
    this.#routes.push({
      method,
      path,
      summary: spec.summary,
      tag: spec.tag,
      auth: spec.auth,
      status: spec.status ?? 200,
      contract: endpoints[key],
      handler: spec.handler as Declared['handler'],
    });
  }

  /** A route that answers with something other than JSON. */
  raw<P extends string>(spec: RawRouteSpec<P>): void {
    this.#routes.push({ ...spec, status: 200, handler: spec.handler as Declared['handler'] });
  }

  mount(router: Router, authenticate: (req: Request) => Promise<User>): void {
    for (const spec of this.#routes) {
      router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
        try {
          let user = undefined as unknown as User;
          if (spec.auth !== 'public') {
            user = await authenticate(req);
            if (spec.auth !== 'any') requireRole(user, spec.auth, spec.summary.toLowerCase());
          }
          const c = spec.contract;
          const result = await spec.handler({
            req,
            res,
            user,
            body: c ? parse(c.body, req.body, 'body') : req.body,
            query: c ? parse(c.query, req.query, 'query') : req.query,
            params: req.params as Record<string, string>,
            rest: wildcard(spec.path, req.params),
          });
          if (!c || result === SENT || res.headersSent) return;
          this.#checkResponse(spec, c.response, result);
          res.status(spec.status).json(result);
        } catch (err) {
          next(err);
        }
      });
    }
  }

  #checkResponse(spec: Declared, schema: z.ZodType, result: unknown): void {
    if (this.#check === 'off') return;
    const r = schema.safeParse(result);
    if (r.success) return;
    const { text } = issuesOf('response', r.error);
    this.#logger?.error(
      { route: `${spec.method.toUpperCase()} ${spec.path}`, issues: text },
      'response breaks its contract',
    );
    if (this.#check === 'strict') throw new Error(`${spec.method.toUpperCase()} ${spec.path}: ${text}`);
  }

  openApi(info: { title: string; version: string }): {
    openapi: string;
    paths: Record<string, unknown>;
    [k: string]: unknown;
  } {
    const schema = (s: z.ZodType, io: 'input' | 'output') =>
      z.toJSONSchema(s, { io, unrepresentable: 'any' });
    const paths: Record<string, Record<string, object>> = {};
    for (const r of this.#routes) {
      const oaPath = r.path.replace(/:(\w+)/g, '{$1}').replace(/\*(\w+)/g, '{$1}');
      const parameters: object[] = [...r.path.matchAll(/[:*](\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const c = r.contract;
      if (c?.query) {
        const q = schema(c.query, 'input') as { properties?: Record<string, object>; required?: string[] };
        for (const [name, s] of Object.entries(q.properties ?? {}))
          parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: s });
      }
      const content: Record<string, object> = {};
      if (c) {
        content['application/json'] = { schema: schema(c.response, 'output') };
        for (const type of c.alsoProduces ?? []) content[type] = { schema: { type: 'string' } };
      } else {
        for (const type of r.produces ?? []) content[type] = {};
      }
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.tag],
        ...(parameters.length ? { parameters } : {}),
        ...(r.auth === 'public' ? { security: [] } : {}),
        ...(Array.isArray(r.auth) ? { 'x-roles': r.auth } : {}),
        responses: {
          [String(r.status)]: { description: 'Success', content },
          default: {
            description: 'Error',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      };
      if (c?.body) {
        op.requestBody = {
          required: true,
          content: { 'application/json': { schema: schema(c.body, 'input') } },
        };
      } else if (c?.rawBody) {
        op.requestBody = { required: true, content: { [c.rawBody]: { schema: { type: 'string' } } } };
      }
      (paths[oaPath] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: schema(ErrorResponse, 'output') },
      },
      paths,
    };
  }
}
