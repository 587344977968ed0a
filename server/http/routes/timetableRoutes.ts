/**
 * The unified timetable over REST: view a week, replace a day, import and
 * export CSV/JSON, district rules and school tightenings, the audit log, and
 * a class's week of activities around the grade channel (班级周课表). Every
 * change is checked by the rule engine (server/timetable/TimetableService.ts,
 * ClassTimetable.ts); nothing invalid is published.
 */
import { AppError } from '../../errors.ts';
import { timetableToCsv } from '../../timetable/timetableCsv.ts';
import type { AppDeps } from '../AppDeps.ts';
import { sendCsv, type RouteRegistry } from '../RouteRegistry.ts';

export function registerTimetableRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { timetable } = deps;

  r.add('GET /api/timetable', {
    tag: 'timetable',
    summary:
      'The timetable of some days (?from=YYYY-MM-DD&days=7&grade=3); ?school= adds that school’s stricter checks',
    auth: 'any',
    handler: ({ query }) => timetable.view(query),
  });

  r.add('PUT /api/timetable/:grade/:date', {
    tag: 'timetable',
    summary: 'Replace one grade’s day; refused with every violation when a rule is broken (district admins)',
    auth: ['district_admin'],
    handler: async ({ user, params, body }) => ({
      slots: await timetable.replaceDay(Number(params.grade), params.date, body.slots, user.displayName),
    }),
  });

  r.add('POST /api/timetable/import', {
    tag: 'timetable',
    summary:
      'Import slots (CSV or JSON); the days in the file are replaced only if every row and every rule passes',
    auth: ['district_admin'],
    handler: ({ user, req }) => timetable.import(req.body, user.displayName),
  });

  r.add('GET /api/timetable/export', {
    tag: 'timetable',
    summary: 'Export slots as CSV or JSON (?format=csv|json&from=&days=&grade=)',
    auth: 'any',
    async handler({ query, res }) {
      const { from, slots } = await timetable.range(query);
      if (query.format === 'json') return { slots };
      return sendCsv(res, `timetable-${from}.csv`, timetableToCsv(slots));
    },
  });

  r.add('GET /api/timetable/rules', {
    tag: 'timetable',
    summary: 'The district’s timetable rules (and a school’s tightening with ?school=)',
    auth: 'any',
    handler: ({ query }) => timetable.rules(query.school),
  });

  r.add('PUT /api/timetable/rules', {
    tag: 'timetable',
    summary:
      'Set the district’s rules (一区一策; district admins); refused with the list of slots if they would break published days of the next 14 days',
    auth: ['district_admin'],
    async handler({ body }) {
      await timetable.setDistrictRules(body);
      return { rules: body };
    },
  });

  r.add('POST /api/timetable/rules/preview', {
    tag: 'timetable',
    summary:
      'What rules would break before saving them: the published slots of the next 14 days (all grades) that violate them',
    auth: ['district_admin', 'school_admin'],
    handler: async ({ body }) => ({ violations: await timetable.impactOf(body.rules) }),
  });

  r.add('PUT /api/timetable/rules/schools/:id', {
    tag: 'timetable',
    summary: 'Tighten the rules for one school (一校一案); looser values are refused',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, params, body }) {
      if (!(await deps.store.getSchool(params.id)))
        throw new AppError('NOT_FOUND', `School ${params.id} was not found.`);
      if (user.role === 'school_admin' && user.schoolId !== params.id)
        throw new AppError('FORBIDDEN_SCOPE', 'You can only set the rules of your own school.');
      await timetable.tightenForSchool(params.id, body);
      return { rules: body };
    },
  });

  r.add('GET /api/timetable/audit', {
    tag: 'timetable',
    summary: 'Who published what, and every override with its reason (admins)',
    auth: ['district_admin', 'school_admin'],
    handler: async () => ({ entries: await deps.timetableStore.audit() }),
  });

  r.add('GET /api/classes/:id/week', {
    tag: 'timetable',
    summary:
      'A class’s week (?from=, 7 days): the grade’s lessons merged with the class’s activities, and where they clash now',
    auth: ['student', 'co_teacher', 'school_admin', 'district_admin'],
    handler: ({ user, params, query }) => deps.classTimetable.week(user, params.id, query.from),
  });

  r.add('PUT /api/classes/:id/activities/:date', {
    tag: 'timetable',
    summary:
      'Replace a class’s activities of a day (答疑, PE/art/labour, tutoring, class meeting): refused with the violations if one clashes with the grade’s lessons, eats into a break or makes screen time too long',
    auth: ['co_teacher', 'school_admin', 'district_admin'],
    handler: async ({ user, params, body }) => ({
      activities: await deps.classTimetable.replaceDay(user, params.id, params.date, body.activities),
    }),
  });
}
