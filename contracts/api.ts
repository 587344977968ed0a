/**
 * Every JSON endpoint of the REST API: its request body, query and response
 * schemas, keyed "METHOD /path/:param". The server registers its handlers
 * against these keys (server/http/RouteRegistry.ts validates requests, checks
 * responses and writes the OpenAPI document from them); the web app calls
 * them through `call()` (web-player/src/api.ts), typed by the same schemas.
 * Routes that answer with files or playlists (HLS, downloads, XMLTV,
 * metrics) are not JSON and are declared on the server only.
 */
import { z } from 'zod';
import { DateString, Ok } from './common.ts';
import * as auth from './auth.ts';
import * as d from './district.ts';
import * as l from './lessons.ts';
import * as live from './live.ts';
import * as t from './timetable.ts';
import * as ch from './channels.ts';
import * as p from './presence.ts';
import * as sys from './system.ts';
import * as duty from './duty.ts';
import * as hw from './homework.ts';
import * as mat from './materials.ts';
import * as fam from './family.ts';
import * as sup from './supervision.ts';

export interface Endpoint {
  body?: z.ZodType;
  /** The body is sent raw with this content type (a CSV file) instead of JSON. */
  rawBody?: string;
  query?: z.ZodType;
  response: z.ZodType;
  /** Other content types the endpoint answers with when asked (?format=csv). */
  alsoProduces?: readonly string[];
}

export const endpoints = {
  'POST /api/auth/login': { body: auth.Login, response: auth.LoggedIn },
  'POST /api/auth/logout': { response: Ok },
  'GET /api/me': { response: auth.Me },

  'GET /api/district': { response: d.DistrictInfo },
  'POST /api/schools': { body: d.CreateSchool, response: d.School },
  'GET /api/classes': { response: z.object({ classes: z.array(d.ClassView) }) },
  'POST /api/classes': { body: d.CreateClass, response: d.SchoolClass },
  'GET /api/classes/:id': { response: d.ClassDetail },
  'GET /api/classes/:id/students': { response: z.object({ students: z.array(d.User) }) },
  'POST /api/classes/:id/students': { body: d.NewStudent, response: d.CreatedStudent },
  'POST /api/classes/:id/students/import': { rawBody: 'text/csv', response: d.RosterImportReport },
  'POST /api/users': { body: d.NewStaff, response: d.User },
  'GET /api/users/:id': { response: z.object({ user: d.User }) },
  'PUT /api/users/:id/disabled': {
    body: d.SetDisabled,
    response: z.object({ user: d.User, sessionsEnded: z.number().int() }),
  },
  'DELETE /api/users/:id': { response: d.ErasedAccount },
  'POST /api/users/:id/password': { body: d.SetPassword, response: d.PasswordReset },
  'GET /api/audit': { response: z.object({ entries: z.array(d.AuditEntry) }) },
  'GET /api/staff': { query: d.StaffQuery, response: z.object({ staff: z.array(d.User) }) },
  'POST /api/staff/import': { query: d.StaffQuery, rawBody: 'text/csv', response: d.RosterImportReport },

  'GET /api/lessons': { query: l.LessonQuery, response: l.LessonList },
  'GET /api/lessons/:id': { response: l.OneLesson },
  'GET /api/lessons/:id/playback': { response: l.Playback },
  'PUT /api/lessons/:id/position': { body: l.SetPosition, response: Ok },
  'POST /api/lessons/:id/review': { body: l.Review, response: l.OneLesson },
  'PATCH /api/lessons/:id': { body: l.LessonUpdate, response: l.OneLesson },
  'POST /api/lessons/:id/cancel': { response: l.CancelOutcome },
  'POST /api/lessons/:id/retry': { response: l.OneLesson },
  'DELETE /api/lessons/:id': { response: l.Deleted },
  'GET /api/transcode/queue': { response: l.QueueCounts },
  'POST /api/hls/access': { response: l.HlsAccess },

  'POST /api/live': { body: live.CreateLive, response: live.OneLive },
  'GET /api/live': { response: live.LiveList },
  'GET /api/live/:id': { response: live.OneLive },
  'POST /api/live/:id/start': {
    body: z.object({ outsideSlotReason: z.string().trim().max(200).optional() }),
    response: live.LiveStarted,
  },
  'POST /api/live/:id/allow-outside-slot': {
    body: z.object({
      reason: z.string().trim().min(4, 'give a reason of at least 4 characters').max(200),
      minutes: z.number().int().min(5).max(240).default(60),
    }),
    response: z.object({ until: z.string() }),
  },
  'POST /api/live/:id/publish-token': { response: live.PublishToken },
  'GET /api/live/:id/playback': { response: live.LivePlayback },
  'POST /api/live/:id/end': { response: live.OneLive },

  'GET /api/timetable': { query: t.TimetableQuery, response: t.TimetableWeek },
  'PUT /api/timetable/:grade/:date': { body: t.ReplaceDay, response: t.Slots },
  'POST /api/timetable/import': { rawBody: 'text/csv', response: t.ImportResult },
  'GET /api/timetable/export': {
    query: t.TimetableExportQuery,
    response: t.Slots,
    alsoProduces: ['text/csv'],
  },
  'GET /api/timetable/rules': { query: t.RulesQuery, response: t.Rules },
  'PUT /api/timetable/rules': { body: t.RuleSet, response: t.RulesSet },
  'PUT /api/timetable/rules/schools/:id': { body: t.RuleSet, response: t.RulesSet },
  'GET /api/timetable/audit': { response: t.TimetableAudit },

  'GET /api/channels': { response: ch.ChannelGuide },
  'GET /api/duty': { response: duty.DutySnapshot },
  'GET /api/channels/:id/epg': { query: ch.EpgQuery, response: ch.ChannelDay },
  'GET /api/head-ends': { response: ch.HeadEndList },
  'GET /api/channels/:channel/output': { response: ch.ChannelOutput },
  'PUT /api/channels/:channel/output': { body: ch.SetOutput, response: ch.ChannelOutput },
  'DELETE /api/channels/:channel/output': { response: ch.ChannelOutput },

  'GET /api/classes/:id/presence': { response: p.ClassPresence },
  'GET /api/classes/:id/attendance': {
    query: p.AttendanceQuery,
    response: p.AttendanceDay,
    alsoProduces: ['text/csv'],
  },
  'GET /api/classes/:id/attendance/week': { query: p.WeekQuery, response: p.AttendanceWeek },
  'GET /api/classes/:id/attendance/term': {
    query: p.TermQuery,
    response: p.AttendanceTerm,
    alsoProduces: ['text/csv'],
  },
  'PUT /api/classes/:id/attendance/marks': {
    body: p.MarkAttendance,
    response: z.object({ cell: p.SlotAttendance }),
  },
  'GET /api/classes/:id/attendance/corrections': {
    response: z.object({ corrections: z.array(p.Correction) }),
  },
  'POST /api/attendance/check-in': { body: p.CheckIn, response: p.CheckedIn },
  'GET /api/classes/:id/room/messages': { query: p.RoomPageQuery, response: p.RoomPage },
  'GET /api/workload': { response: p.Workload },
  'GET /api/students/:id/data': { response: p.StudentDataExport },
  'DELETE /api/students/:id/data': { response: d.ErasedData },

  'GET /api/homework/load': { query: hw.WorkloadQuery, response: hw.HomeworkLoad },
  'POST /api/homework': { body: hw.NewAssignment, response: z.object({ assignment: hw.Assignment }) },
  'GET /api/homework/mine': { response: hw.MyHomework },
  'GET /api/homework/:id': { response: hw.AssignmentDetail },
  'PUT /api/homework/:id/submission': {
    body: hw.SubmitHomework,
    response: z.object({ submission: hw.Submission }),
  },
  'POST /api/homework/:id/submissions/:studentId/mark': {
    body: hw.MarkSubmission,
    response: z.object({ submission: hw.Submission }),
  },
  'GET /api/classes/:id/homework': { response: hw.ClassHomework },
  'GET /api/classes/:id/homework/rotation': { query: hw.RotationQuery, response: hw.MarkingRotation },

  'GET /api/materials': { query: mat.MaterialsQuery, response: mat.MaterialList },
  'POST /api/materials': { body: mat.NewMaterial, response: z.object({ material: mat.Material }) },
  'DELETE /api/materials/:id': { response: Ok },

  'POST /api/family/sign-up': { body: fam.ParentSignUp, response: fam.SignedUp },
  'GET /api/family/children': { response: fam.MyChildren },
  'POST /api/family/children': { body: fam.LinkChild, response: z.object({ child: fam.Child }) },
  'GET /api/family/children/:id/day': { query: fam.ChildDayQuery, response: fam.ChildDay },
  'GET /api/family/children/:id/homework': { response: fam.ChildHomework },
  'POST /api/timetable/rules/preview': {
    body: t.RulesSet,
    response: z.object({ violations: z.array(t.Violation) }),
  },
  'PUT /api/lessons/:id/subtitles/:lang': {
    rawBody: 'text/vtt',
    query: z.object({ name: z.string().max(20).optional() }),
    response: z.object({
      subtitles: z.array(z.object({ language: z.string(), name: z.string(), cues: z.number().int() })),
    }),
  },
  'DELETE /api/lessons/:id/subtitles/:lang': {
    response: z.object({
      subtitles: z.array(z.object({ language: z.string(), name: z.string(), cues: z.number().int() })),
    }),
  },
  'GET /api/classes/:id/duty': { query: p.AttendanceQuery, response: p.ClassDuty },
  'GET /api/supervision': {
    query: sup.SupervisionQuery,
    response: sup.SupervisionView,
    alsoProduces: ['text/csv'],
  },
  'POST /api/supervision/refresh': {
    body: z.object({ school: z.string().max(64).optional() }),
    response: sup.SupervisionRefreshed,
  },
  'GET /api/duty/gaps': {
    query: z.object({ date: DateString.optional(), school: z.string().max(64).optional() }),
    response: p.DutyGaps,
  },
  'GET /api/family/children/:id/week': { query: t.WeekQuery, response: t.ClassWeek },
  'GET /api/classes/:id/week': { query: t.WeekQuery, response: t.ClassWeek },
  'PUT /api/classes/:id/activities/:date': { body: t.ReplaceClassDay, response: t.ClassDay },
  'POST /api/family/children/:id/check-in': { body: fam.ParentCheckIn, response: p.CheckedIn },
  'GET /api/notices/mine': { response: fam.MyNotices },
  'POST /api/notices/:id/ack': {
    response: z.object({ id: z.string(), acknowledgedAt: z.string() }),
  },
  'GET /api/classes/:id/notices': { response: fam.ClassNotices },
  'POST /api/classes/:id/notices': { body: fam.NewNotice, response: z.object({ notice: fam.Notice }) },
  'GET /api/classes/:id/parents': { response: fam.ClassParents },
  'POST /api/classes/:id/parents': { body: fam.NewParent, response: fam.CreatedParent },
  'DELETE /api/classes/:id/parents/:parentId/children/:studentId': { response: Ok },
  'POST /api/classes/:id/parent-invites': {
    body: z.object({ renew: z.boolean().optional() }),
    response: fam.ParentInvites,
  },

  'GET /healthz': { response: sys.Health },
  'GET /readyz': { response: sys.Ready },
  'GET /api/openapi.json': { response: sys.OpenApiDocument },
} as const satisfies Record<string, Endpoint>;

export type Endpoints = typeof endpoints;
export type EndpointKey = keyof Endpoints;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type PathOf<K> = K extends `${string} ${infer P}` ? P : never;
type ParamNames<P> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : never;
/** The named parameters of a path ("/api/classes/:id" → { id: string }). */
export type PathParams<P extends string> = { [N in ParamNames<P>]: string };
/** The path parameters of an endpoint. */
export type ParamsOf<K extends EndpointKey> = PathParams<PathOf<K>>;

type Field<K extends EndpointKey, F extends string> = Endpoints[K] extends { [P in F]: infer S }
  ? S
  : undefined;
/** The JSON a handler answers with (before the contract's transforms, which responses do not use). */
export type ResponseOf<K extends EndpointKey> = z.output<Endpoints[K]['response']>;
/** What a client sends as the body. */
export type BodyOf<K extends EndpointKey> =
  Field<K, 'body'> extends z.ZodType
    ? z.input<Field<K, 'body'>>
    : Field<K, 'rawBody'> extends string
      ? BodyInit
      : undefined;
/** What a client puts in the query string. */
export type QueryOf<K extends EndpointKey> =
  Field<K, 'query'> extends z.ZodType ? z.input<Field<K, 'query'>> : undefined;
/** What a handler receives, validated. */
export type ParsedBodyOf<K extends EndpointKey> =
  Field<K, 'body'> extends z.ZodType ? z.output<Field<K, 'body'>> : unknown;
export type ParsedQueryOf<K extends EndpointKey> =
  Field<K, 'query'> extends z.ZodType ? z.output<Field<K, 'query'>> : Record<string, never>;

export function splitKey(key: string): { method: Method; path: string } {
  const [m, path] = key.split(' ') as [string, string];
  return { method: m.toLowerCase() as Method, path };
}
