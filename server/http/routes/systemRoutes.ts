import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import crypto from 'node:crypto';
import { AppError } from '../../errors.ts';

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export function registerSystemRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.add('GET /healthz', {
    tag: 'system',
    summary: 'Liveness: the process answers',
    auth: 'public',
    handler: () => ({ status: 'ok' }),
  });

  r.add('GET /readyz', {
    tag: 'system',
    summary: 'Readiness: Redis and storage are usable',
    auth: 'public',
    async handler() {
      if (!(await deps.isReady()))
        throw new AppError('NOT_READY', 'Not ready: Redis or storage is not reachable yet.');
      return { status: 'ready' };
    },
  });

  r.raw({
    method: 'get',
    path: '/metrics',
    produces: ['text/plain; version=0.0.4'],
    tag: 'system',
    summary:
      'Prometheus metrics (Authorization: Bearer METRICS_TOKEN; without a token only on the internal METRICS_PORT listener)',
    auth: 'public',
    async handler({ req, res }) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
      if (!deps.metricsToken || !given || !safeEqual(given, deps.metricsToken)) {
        throw new AppError(
          'NOT_FOUND',
          'Metrics are served to Prometheus only: with METRICS_TOKEN as a bearer token, or on the internal METRICS_PORT listener.',
        );
      }
      res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  });

  r.add('GET /api/openapi.json', {
    tag: 'system',
    summary: 'This OpenAPI document',
    auth: 'public',
    handler: () => r.openApi({ title: 'Skyclass API', version: '0.1.0' }),
  });
}
