import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

export function registerDutyRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.add('GET /api/duty', {
    tag: 'duty',
    summary:
      'The duty console (值班监控台): channels, live lessons, media nodes, transcodes, error rate and alerts (district admins)',
    auth: ['district_admin'],
    handler: () => deps.duty.snapshot(),
  });
}
