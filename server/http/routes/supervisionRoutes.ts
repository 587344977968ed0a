/**
 * Supervision (督导) roll-ups: district admins see every school, school
 * admins their own; the figures come from per-class day summaries
 * (server/supervision/Supervision.ts).
 */
import type { AppDeps } from '../AppDeps.ts';
import { sendCsv, type RouteRegistry } from '../RouteRegistry.ts';

export function registerSupervisionRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { supervision } = deps;

  r.add('GET /api/supervision', {
    tag: 'presence',
    summary:
      'Attendance, participation (questions, answers, homework handed in) and teachers on duty of the district, a school (?school=), a grade (&grade=) or a class (?class=), over ?from=&to= or the ?days= ending on ?to (at most 31 days; default today in the district’s time zone), with each day and the scopes one level down; &format=csv for a spreadsheet',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, query, res }) {
      if (query.format !== 'csv') return supervision.view(user, query);
      const { name, body } = await supervision.csv(user, query);
      return sendCsv(res, name, body);
    },
  });

  r.add('POST /api/supervision/refresh', {
    tag: 'presence',
    summary:
      'Summarise today’s figures of the district (or ?school) now instead of at the next background sweep (once per 30 s per scope)',
    auth: ['district_admin', 'school_admin'],
    handler: ({ user, body }) => supervision.refresh(user, body),
  });
}
