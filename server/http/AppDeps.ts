import type { Supervision } from '../supervision/Supervision.ts';
import type { PresenceStore } from '../presence/PresenceStore.ts';
import type { AttendanceRules } from '../presence/attendance.ts';
import type { ClassTimetable } from '../timetable/ClassTimetable.ts';
import type { Family } from '../family/Family.ts';
import type { Notices } from '../family/Notices.ts';
import type { Homework } from '../homework/Homework.ts';
import type { Materials } from '../materials/Materials.ts';
import type { Redis } from 'ioredis';
import type { Server as TusServer } from '@tus/server';
import type { Logger } from '../logger.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SessionStore } from '../auth/SessionStore.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { Metrics } from '../metrics.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { MediaPlane } from '../cluster/ClusterMedia.ts';
import type { DutyConsole } from '../duty/DutyConsole.ts';
import type { RequestStats } from '../duty/RequestStats.ts';
import type { TranscodeQueue } from '../../recordings/transcode/TranscodeQueue.ts';
import type { ChannelService } from '../channels/ChannelService.ts';
import type { OutputStore } from '../channels/HeadEnds.ts';
import type { DestinationAllowList } from '../../media/channel/headEnd.ts';
import type { PasswordHasher } from '../auth/PasswordHasher.ts';
import type { LoginGuard } from '../auth/LoginGuard.ts';
import type { ChannelGuide } from '../channels/ChannelGuide.ts';
import type { OnAir } from '../channels/OnAir.ts';
import type { TimetableService } from '../timetable/TimetableService.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { AttendanceReport } from '../presence/AttendanceReport.ts';
import type { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import type { PersonalDataDeps } from '../privacy/personalData.ts';
import type { ResponseCheck } from './RouteRegistry.ts';

/** What the HTTP layer needs, built once by server/main.ts (or by a test). */
export interface AppDeps {
  logger: Logger;
  redis: Redis;
  store: DistrictStore;
  sessions: SessionStore;
  storage: Storage;
  metrics: Metrics;
  lessons: LessonStore;
  transcodes: TranscodeQueue;
  live: LiveStore;
  /** The duty console's snapshot (值班监控台). */
  duty: DutyConsole;
  /** Requests and 5xx per minute, all instances (the duty console's error rate). */
  requestStats: RequestStats;
  /** The media nodes (SFU rooms and live HLS, placed through Redis); undefined when SFU=off. */
  media?: MediaPlane;
  /** The grade channels (stitched live HLS). */
  channels: ChannelService;
  /** Which media the public channel URLs may serve. */
  onAir: OnAir;
  /** The channels' programme guide (now/next, a day, XMLTV). */
  guide: ChannelGuide;
  /** The timetable use cases (view, replace a day, import, rules). */
  timetable: TimetableService;
  timetableStore: TimetableStore;
  /** Attendance and who is watching now. */
  attendance: AttendanceReport;
  rooms: ClassRoomStore;
  /** What the data-rights use cases need (export, erase, audit). */
  personal: PersonalDataDeps;
  /** The channels' head-end outputs (MPEG-TS over UDP/SRT). */
  outputs: OutputStore;
  /** Where head-end outputs may push (HEAD_END_ALLOWED). */
  headEndAllowed: DestinationAllowList;
  /** The tus upload server (mounted at /api/uploads). */
  uploads: TusServer;
  /** Homework files over tus (mounted at /api/homework/uploads). */
  homeworkUploads: TusServer;
  /** Homework: set, submit, mark, completion, rotation, files. */
  homework: Homework;
  /** Learning materials of lessons, slots and classes. */
  materials: Materials;
  /** Parents linked to children: their view, accounts, invitation codes. */
  family: Family;
  /** Who watched what, when (students; co-teachers listening along). */
  presence: PresenceStore;
  /** When a viewing counts as present or late. */
  attendanceRules: AttendanceRules;
  /** Class-level week timetables (activities around the grade channel). */
  classTimetable: ClassTimetable;
  /** Supervision roll-ups (district → school → grade → class) from per-class day summaries. */
  supervision: Supervision;
  /** Notices to parents (class notices, absence notices) and their acknowledgement. */
  notices: Notices;
  /** Bytes of HLS segments kept in memory by the origin (HLS_MEMORY_CACHE_MB). */
  hlsMemoryCacheBytes: number;
  /** Key for signed /files links (derived from the session secret). */
  urlSigningKey: string;
  /** Password hashing: scrypt on low-priority worker threads, bounded, so media never waits behind a login flood. */
  passwords: PasswordHasher;
  /** Rate limits and lockouts in front of the password check. */
  loginGuard: LoginGuard;
  /** Session and device cookies are Secure (PUBLIC_BASE_URL is https). */
  secureCookies: boolean;
  /** Send HSTS (PUBLIC_BASE_URL is https). */
  hsts: boolean;
  /** GET /metrics needs this bearer token on the public listener; undefined: never served there. */
  metricsToken?: string;
  /** The district's time zone (IANA). */
  timeZone: string;
  webDistDir: string;
  trustProxy: boolean;
  isReady: () => Promise<boolean>;
  /** How answers are checked against their contracts (API_RESPONSE_CHECK). */
  responseCheck: ResponseCheck;
}
