/**
 * The unified timetable over REST: view a week, replace a day, import and
 * export CSV/JSON, district rules and school tightenings, the audit log.
 * Every change is checked by the rule engine; nothing invalid is published.
 */
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import type { User } from '../../district/model.ts';
import { DATE_PATTERN, DEFAULT_RULES } from '../../timetable/model.ts';
import { looserThan } from '../../timetable/rules.ts';
import { TimetableStore } from '../../timetable/TimetableStore.ts';
import { groupDays, TimetableService } from '../../timetable/TimetableService.ts';
import { timetableToCsv } from '../../timetable/timetableCsv.ts';
import type { AppDeps } from '../AppDeps.ts';
import { channelId, channelName, localDate, nowNext, programmes, toXmltv } from '../../timetable/epg.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

const DATE = DATE_PATTERN;
const range = z.object({ min: z.number().int().min(5).max(120), max: z.number().int().min(5).max(120) });
const ruleSetSchema = z.object({
  lessonMinutes: z.object({
    primary_lower: range,
    primary_upper: range,
    junior_secondary: range,
    senior_secondary: range,
  }),
  minBreakMinutes: z.number().int().min(0).max(120),
  dailyLiveMaxMinutes: z.object({
    primary_lower: z.number().int().min(0).max(600),
    primary_upper: z.number().int().min(0).max(600),
    junior_secondary: z.number().int().min(0).max(600),
    senior_secondary: z.number().int().min(0).max(600),
  }),
});

export function datesFrom(from: string, days: number): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86400_000).toISOString().slice(0, 10));
}

export function registerTimetableRoutes(r: RouteRegistry, deps: AppDeps): void {
  const store = new TimetableStore(deps.redis);

  const knownGrades = async () => new Set((await deps.store.listGrades()).map((g) => g.number));
  const timetable = new TimetableService({ store, lessons: deps.lessons, grades: knownGrades });
  const localToday = () => localDate(deps.timeZone);

  /** ?from=YYYY-MM-DD (default: the district's today) &days=1–31 (7) &grade= (all): the slots in that range. */
  const slotsInRange = async (q: Record<string, string | undefined>) => {
    const from = q.from ?? localToday();
    if (!DATE.test(from)) throw new AppError('VALIDATION_FAILED', 'from must be a date YYYY-MM-DD.');
    const days = Math.min(31, Math.max(1, Number(q.days ?? 7) || 7));
    const grades = q.grade ? [Number(q.grade)] : [...(await knownGrades())];
    return { from, days, slots: await store.days(grades, datesFrom(from, days)) };
  };

  r.add({
    method: 'get',
    path: '/api/timetable',
    tag: 'timetable',
    summary:
      'The timetable of some days (?from=YYYY-MM-DD&days=7&grade=3); ?school= adds that school’s stricter checks',
    auth: 'any',
    async handler({ req }) {
      const q = req.query as Record<string, string | undefined>;
      const { from, days, slots } = await slotsInRange(q);
      const school = q.school ? await store.schoolRules(q.school) : undefined;
      return {
        from,
        days,
        slots,
        ...(school ? { schoolViolations: await timetable.checkDays(groupDays(slots), school) } : {}),
      };
    },
  });

  r.add({
    method: 'put',
    path: '/api/timetable/:grade/:date',
    tag: 'timetable',
    summary: 'Replace one grade’s day; refused with every violation when a rule is broken (district admins)',
    auth: ['district_admin'],
    body: z.object({ slots: z.array(z.record(z.string(), z.unknown())).max(40) }),
    async handler({ user, params, body }) {
      const grade = Number(params.grade);
      const date = params.date!;
      if (!(await knownGrades()).has(grade))
        throw new AppError('VALIDATION_FAILED', `Grade ${params.grade} is not a grade of this district.`);
      if (!DATE.test(date)) throw new AppError('VALIDATION_FAILED', 'The date must be YYYY-MM-DD.');
      return { slots: await timetable.replaceDay(grade, date, body.slots, user.displayName) };
    },
  });

  r.add({
    method: 'post',
    path: '/api/timetable/import',
    tag: 'timetable',
    summary:
      'Import slots (CSV or JSON); the days in the file are replaced only if every row and every rule passes',
    auth: ['district_admin'],
    rawBody: 'text/csv',
    async handler({ user, req }) {
      return timetable.import(req.body, user.displayName);
    },
  });

  r.add({
    method: 'get',
    path: '/api/timetable/export',
    tag: 'timetable',
    summary: 'Export slots as CSV or JSON (?format=csv|json&from=&days=&grade=)',
    auth: 'any',
    async handler({ req, res }) {
      const q = req.query as Record<string, string | undefined>;
      const { from, slots } = await slotsInRange(q);
      if (q.format === 'json') return { slots };
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="timetable-${from}.csv"`);
      res.send('\uFEFF' + timetableToCsv(slots)); // BOM: Excel opens the Chinese text correctly
      return undefined;
    },
  });

  r.add({
    method: 'get',
    path: '/api/timetable/rules',
    tag: 'timetable',
    summary: 'The district’s timetable rules (and a school’s tightening with ?school=)',
    auth: 'any',
    async handler({ req }) {
      const school = (req.query as { school?: string }).school;
      return {
        rules: await store.rules(),
        defaults: DEFAULT_RULES,
        ...(school ? { school: (await store.schoolRules(school)) ?? null } : {}),
      };
    },
  });

  r.add({
    method: 'put',
    path: '/api/timetable/rules',
    tag: 'timetable',
    summary: 'Set the district’s rules (一区一策; district admins)',
    auth: ['district_admin'],
    body: ruleSetSchema,
    async handler({ body }) {
      await store.setRules(body);
      return { rules: body };
    },
  });

  r.add({
    method: 'put',
    path: '/api/timetable/rules/schools/:id',
    tag: 'timetable',
    summary: 'Tighten the rules for one school (一校一案); looser values are refused',
    auth: ['district_admin', 'school_admin'],
    body: ruleSetSchema,
    async handler({ user, params, body }) {
      const schoolId = params.id!;
      if (!(await deps.store.getSchool(schoolId)))
        throw new AppError('NOT_FOUND', `School ${schoolId} was not found.`);
      if ((user as User).role === 'school_admin' && user.schoolId !== schoolId)
        throw new AppError('FORBIDDEN_SCOPE', 'You can only set the rules of your own school.');
      const problems = looserThan(await store.rules(), body);
      if (problems.length)
        throw new AppError('VALIDATION_FAILED', 'A school can only tighten the district’s rules.', {
          problems,
        });
      await store.setSchoolRules(schoolId, body);
      return { rules: body };
    },
  });

  r.add({
    method: 'get',
    path: '/api/timetable/audit',
    tag: 'timetable',
    summary: 'Who published what, and every override with its reason (admins)',
    auth: ['district_admin', 'school_admin'],
    handler: async () => ({ entries: await store.audit() }),
  });

  r.add({
    method: 'get',
    path: '/api/channels',
    tag: 'channels',
    summary: 'The grade channels with what is on now and next',
    auth: 'any',
    async handler() {
      const grades = [...(await knownGrades())].sort((a, b) => a - b);
      const today = localToday();
      const list = programmes(await store.days(grades, datesFrom(today, 2)), deps.timeZone);
      const now = new Date();
      return {
        timeZone: deps.timeZone,
        channels: grades.map((g) => ({
          id: channelId(g),
          grade: g,
          name: channelName(g),
          ...nowNext(
            list.filter((p) => p.channel === channelId(g)),
            now,
          ),
        })),
      };
    },
  });

  r.add({
    method: 'get',
    path: '/api/channels/:id/epg',
    tag: 'channels',
    summary: 'A channel’s programme for a day (?date=YYYY-MM-DD, default today)',
    auth: 'any',
    async handler({ params, req }) {
      const grade = Number(/^grade-(\d{1,2})$/.exec(params.id!)?.[1]);
      if (!(await knownGrades()).has(grade))
        throw new AppError(
          'NOT_FOUND',
          `Channel ${params.id} was not found; channels are grade-1 … grade-9.`,
        );
      const date = (req.query as { date?: string }).date ?? localToday();
      if (!DATE.test(date)) throw new AppError('VALIDATION_FAILED', 'date must be YYYY-MM-DD.');
      return {
        channel: channelId(grade),
        name: channelName(grade),
        date,
        programmes: programmes(await store.day(grade, date), deps.timeZone),
      };
    },
  });

  r.add({
    method: 'get',
    path: '/api/epg.xml',
    tag: 'channels',
    summary: 'XMLTV guide of every grade channel (?days=2), for IPTV boxes, Kodi, Jellyfin',
    auth: 'public',
    async handler({ req, res }) {
      const days = Math.min(14, Math.max(1, Number((req.query as { days?: string }).days ?? 2) || 2));
      const grades = [...(await knownGrades())].sort((a, b) => a - b);
      const list = programmes(await store.days(grades, datesFrom(localToday(), days)), deps.timeZone);
      res.setHeader('content-type', 'application/xml; charset=utf-8');
      res.setHeader('cache-control', 'public, max-age=60');
      res.send(toXmltv(grades, list, deps.timeZone, `${req.protocol}://${req.get('host') ?? 'localhost'}`));
      return undefined;
    },
  });
}
