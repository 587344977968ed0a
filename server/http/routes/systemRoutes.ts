import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { AppError } from '../../errors.ts';

export function registerSystemRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.add({
    method: 'get',
    path: '/healthz',
    tag: 'system',
    summary: 'Liveness: the process answers',
    auth: 'public',
    handler: () => ({ status: 'ok' }),
  });

  r.add({
    method: 'get',
    path: '/readyz',
    tag: 'system',
    summary: 'Readiness: Redis and storage are usable',
    auth: 'public',
    async handler() {
      if (!(await deps.isReady()))
        throw new AppError('NOT_READY', 'Not ready: Redis or storage is not reachable yet.');
      return { status: 'ready' };
    },
  });

  r.add({
    method: 'get',
    path: '/metrics',
    tag: 'system',
    summary: 'Prometheus metrics',
    auth: 'public',
    async handler({ res }) {
      res.set('Content-Type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
      return undefined;
    },
  });

  r.add({
    method: 'get',
    path: '/api/openapi.json',
    tag: 'system',
    summary: 'This OpenAPI document',
    auth: 'public',
    handler: () => r.openApi({ title: 'Skyclass API', version: '0.1.0' }),
  });
}
