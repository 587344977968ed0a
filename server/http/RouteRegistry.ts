/**
 * Routes are declared once, with their auth rule and body schema; the same
 * declaration registers the express handler and writes the OpenAPI document,
 * so the document cannot drift from the routes.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Role, User } from '../district/model.ts';
import { requireRole } from '../auth/policy.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerContext<B> {
  req: Request;
  res: Response;
  user: User;
  body: B;
  params: Record<string, string>;
}

export interface RouteSpec<B = unknown> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  /** 'public' needs no login; 'any' any logged-in user; else the roles allowed. */
  auth: 'public' | 'any' | readonly Role[];
  body?: z.ZodType<B>;
  /** A raw body of this content type instead of JSON (e.g. text/csv). */
  rawBody?: string;
  status?: number;
  /** Resolves to the JSON response; return undefined when the handler wrote the response itself. */
  handler: (ctx: HandlerContext<B>) => Promise<unknown> | unknown;
}

type Authenticate = (req: Request) => Promise<User>;

export class RouteRegistry {
  readonly routes: RouteSpec<unknown>[] = [];

  add<B>(spec: RouteSpec<B>): void {
    this.routes.push(spec as RouteSpec<unknown>);
  }

  mount(router: Router, authenticate: Authenticate): void {
    for (const spec of this.routes) {
      router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
        try {
          let user = undefined as unknown as User;
          if (spec.auth !== 'public') {
            user = await authenticate(req);
            if (spec.auth !== 'any') requireRole(user, spec.auth, spec.summary.toLowerCase());
          }
          let body: unknown = req.body;
          if (spec.body) {
            const parsed = spec.body.safeParse(req.body ?? {});
            if (!parsed.success) {
              throw new AppError(
                'VALIDATION_FAILED',
                parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
                parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
              );
            }
            body = parsed.data;
          }
          const result = await spec.handler({
            req,
            res,
            user,
            body,
            params: req.params as Record<string, string>,
          });
          if (result !== undefined && !res.headersSent) res.status(spec.status ?? 200).json(result);
        } catch (err) {
          next(err);
        }
      });
    }
  }

  openApi(info: { title: string; version: string }): object {
    const paths: Record<string, Record<string, object>> = {};
    for (const r of this.routes) {
      const oaPath = r.path.replace(/:(\w+)/g, '{$1}');
      const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const op: Record<string, unknown> = {
        summary: r.summary,
        tags: [r.tag],
        ...(params.length ? { parameters: params } : {}),
        ...(r.auth === 'public' ? { security: [] } : {}),
        ...(Array.isArray(r.auth) ? { 'x-roles': r.auth } : {}),
        responses: {
          [String(r.status ?? 200)]: { description: 'Success' },
          default: {
            description: 'Error',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      };
      if (r.body) {
        op.requestBody = {
          required: true,
          content: {
            'application/json': { schema: z.toJSONSchema(r.body, { io: 'input', unrepresentable: 'any' }) },
          },
        };
      } else if (r.rawBody) {
        op.requestBody = { required: true, content: { [r.rawBody]: { schema: { type: 'string' } } } };
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
        schemas: {
          Error: {
            type: 'object',
            required: ['error'],
            properties: {
              error: {
                type: 'object',
                required: ['code', 'message'],
                properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
              },
            },
          },
        },
      },
      paths,
    };
  }
}
