/**
 * The only module that reads process.env. It validates every setting once at
 * start-up and turns a bad value into a clear message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';
import { DestinationAllowList } from '../media/channel/headEnd.ts';

const DURATION_RE = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string): number {
  const m = DURATION_RE.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration; use a number with a unit, e.g. 30s, 15m, 12h, 7d`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const duration = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      try {
        return parseDuration(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i;
export function parseSize(value: string): number {
  const m = SIZE_RE.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a size; use a number with a unit, e.g. 500m, 8g`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[
    m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  return Math.round(Number(m[1]) * mult);
}

const size = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      try {
        return parseSize(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    });

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

/** Every setting, its default and its documentation (the README table is generated from this). */
export const SETTINGS = {
  PORT: { schema: port(8080), doc: 'HTTP port of the web app and API.' },
  HOST: {
    schema: z.string().default('127.0.0.1'),
    doc: 'Interface to listen on; 0.0.0.0 behind a load balancer.',
  },
  PUBLIC_BASE_URL: {
    schema: z.url({ message: 'must be an absolute URL such as https://skyclass.example.edu' }).optional(),
    doc: 'Public URL of this service (used in signed links). Default: http://HOST:PORT.',
  },
  DATA_DIR: {
    schema: z.string().default('./data'),
    doc: 'Folder for the embedded Redis data and local storage.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'pino log level.',
  },
  REDIS_URL: {
    schema: z
      .string()
      .regex(/^(rediss?|unix):\/\//, {
        message: 'must start with redis://, rediss:// or unix:// (a socket path)',
      })
      .optional(),
    doc: 'External Redis (redis://host:6379, rediss://… or unix:///path/redis.sock). Unset: Skyclass runs a private redis-server under DATA_DIR/redis (AOF on).',
  },
  REDIS_SENTINELS: {
    schema: z
      .string()
      .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, {
        message: 'use host:port pairs separated by commas, e.g. 10.0.0.5:26379,10.0.0.6:26379',
      })
      .optional(),
    doc: 'Redis Sentinel addresses (host:port,…): Skyclass asks them for the primary of REDIS_SENTINEL_NAME and follows a failover. Takes precedence over REDIS_URL. Sentinel (not Redis Cluster) is the supported high-availability mode.',
  },
  REDIS_SENTINEL_NAME: {
    schema: z
      .string()
      .regex(/^[\w.-]+$/, { message: 'use the master name of the sentinel config' })
      .default('skyclass'),
    doc: "The monitored primary's name in the sentinels' configuration.",
  },
  REDIS_PASSWORD: {
    schema: z.string().optional(),
    doc: 'Password of the Redis servers behind REDIS_SENTINELS (a REDIS_URL carries its own).',
  },
  REDIS_SERVER_BIN: {
    schema: z.string().default('redis-server'),
    doc: 'redis-server binary for the embedded Redis.',
  },
  SESSION_TTL: { schema: duration('12h'), doc: 'How long a login lasts (e.g. 30m, 12h, 7d).' },
  SESSION_SECRET: {
    schema: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
    doc: 'HMAC key for session tokens and signed URLs. Unset: generated once and kept in Redis (shared by all instances).',
  },
  PASSWORD_HASH_COST: {
    schema: z.coerce.number().int().min(10).max(20).default(15),
    doc: 'scrypt cost as log2(N); 15 = N 32768. Lower only for tests.',
  },
  PASSWORD_HASH_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(16).default(1),
    doc: 'Password hashes (scrypt) run at once; the rest wait in a short queue (16 per slot) or get 429. Keeps the thread pool free for serving media during login floods.',
  },
  LOGIN_IP_LIMIT: {
    schema: z.coerce.number().int().min(1).default(60),
    doc: 'Login attempts one client address may make per minute (429 with Retry-After beyond). Raise it where many students share one address (carrier NAT).',
  },
  LOGIN_GLOBAL_LIMIT: {
    schema: z.coerce.number().int().min(1).default(300),
    doc: 'Login attempts per second across all instances (429 with Retry-After: 1 beyond).',
  },
  LOGIN_LOCK_AFTER: {
    schema: z.coerce.number().int().min(1).default(10),
    doc: 'Wrong passwords for one username from one client address before that address is locked out of that account for 15 minutes (others are not).',
  },
  LOGIN_USER_BACKOFF_AFTER: {
    schema: z.coerce.number().int().min(1).default(30),
    doc: 'Wrong passwords for one username from any address within 15 minutes before that account accepts one attempt per 10 s from browsers it has not signed in on (against distributed guessing).',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    doc: 'Bearer token Prometheus sends to GET /metrics. Unset: /metrics answers only on the internal listener (METRICS_PORT) or not at all.',
  },
  METRICS_PORT: {
    schema: z.coerce.number().int().min(0).max(65535).optional(),
    doc: 'Port of an internal listener (on 127.0.0.1 unless METRICS_HOST) that serves /metrics without a token, for a Prometheus on the same host or network.',
  },
  METRICS_HOST: {
    schema: z.string().default('127.0.0.1'),
    doc: 'Interface of the internal metrics listener.',
  },
  HEAD_END_ALLOWED: {
    schema: z
      .string()
      .default('239.0.0.0/8')
      .refine((v) => {
        try {
          new DestinationAllowList(v);
          return true;
        } catch {
          return false;
        }
      }, 'use comma-separated CIDRs and host names, e.g. 239.0.0.0/8,10.20.0.0/16,iptv.example.net'),
    doc: 'Where channel head-end outputs may push: comma-separated IPv4/IPv6 CIDRs (multicast ranges included) and host names. Anything else is refused.',
  },
  STORAGE_DIR: {
    schema: z.string().optional(),
    doc: 'Folder of the local storage driver. Default: DATA_DIR/storage. Processes with different roles on one machine share one.',
  },
  STORAGE_DRIVER: {
    schema: z.enum(['local', 's3'], { message: 'use local or s3' }).optional(),
    doc: 'local (DATA_DIR/storage) or s3. Default: s3 when S3_BUCKET is set, else local.',
  },
  S3_BUCKET: { schema: z.string().optional(), doc: 'S3 bucket for recordings and HLS.' },
  S3_REGION: { schema: z.string().default('us-east-1'), doc: 'S3 region.' },
  S3_ENDPOINT: {
    schema: z.url({ message: 'must be an absolute URL such as http://127.0.0.1:9000' }).optional(),
    doc: 'S3-compatible endpoint (MinIO, Ceph, OSS...). Unset: AWS.',
  },
  S3_ACCESS_KEY_ID: { schema: z.string().optional(), doc: 'S3 access key (else the AWS default chain).' },
  S3_SECRET_ACCESS_KEY: { schema: z.string().optional(), doc: 'S3 secret key.' },
  S3_FORCE_PATH_STYLE: {
    schema: bool(true),
    doc: 'Path-style S3 URLs (needed by most S3-compatible servers).',
  },
  S3_PUBLIC_BASE_URL: {
    schema: z.url().optional(),
    doc: 'CDN or public bucket URL for public objects (e.g. HLS segments behind a CDN).',
  },
  SIGNED_URL_TTL: { schema: duration('1h'), doc: 'Lifetime of signed download links.' },
  HLS_MEMORY_CACHE_MB: {
    schema: z.coerce.number().int().min(0).max(65536).default(256),
    doc: 'Bound of the replay and live-HLS segments an api instance keeps in memory (MB): a segment asked for twice within 30 s is kept until nobody asked for it for a minute (least recently used out first at the bound), so a popular segment is read from storage once; 0 turns it off. An nginx/CDN cache in front (infra/nginx) still does most of the work.',
  },
  API_RESPONSE_CHECK: {
    schema: z.enum(['strict', 'log', 'off'], { message: 'use strict, log or off' }).default('log'),
    doc: 'Check every JSON answer against its contract (contracts/api.ts): log a mismatch, refuse it with a 500 (strict, as the tests run), or skip the check.',
  },
  TRUST_PROXY: { schema: bool(false), doc: 'Trust X-Forwarded-* headers (set behind a load balancer).' },
  UPLOAD_DIR: {
    schema: z.string().optional(),
    doc: 'Folder for unfinished tus uploads; with several api instances, one shared folder (e.g. NFS) that all of them mount. Default: DATA_DIR/uploads.',
  },
  UPLOAD_EXPIRY: {
    schema: duration('24h'),
    doc: 'An unfinished upload untouched this long is removed (its client cannot resume it after that).',
  },
  UPLOAD_MAX_SIZE: { schema: size('8g'), doc: 'Largest lesson video that may be uploaded (e.g. 500m, 8g).' },
  LESSON_MAX_DURATION: { schema: duration('3h'), doc: 'Longest recorded lesson accepted (e.g. 90m, 3h).' },
  TRANSCODE_WORKER: {
    schema: z.enum(['in-process', 'off'], { message: 'use in-process or off' }).default('in-process'),
    doc: 'Run transcode jobs in this server (in-process) or only in separate `npm run worker` processes (off).',
  },
  TRANSCODE_CONCURRENCY: {
    schema: z.coerce.number().int().min(1).max(32).default(1),
    doc: 'Transcode jobs one worker runs at once (each uses every core it can).',
  },
  TRANSCODE_PRESET: {
    schema: z
      .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'], {
        message: 'use an x264 preset such as veryfast',
      })
      .default('veryfast'),
    doc: 'x264 preset of the ABR ladder.',
  },
  TRANSCODE_ATTEMPTS: {
    schema: z.coerce.number().int().min(1).max(10).default(3),
    doc: 'Tries per transcode job (exponential backoff).',
  },
  TRANSCODE_LOCK_DURATION: {
    schema: duration('30s'),
    doc: 'Job lock; a job whose worker died is taken up again after about this long.',
  },
  FFMPEG_BIN: { schema: z.string().default('ffmpeg'), doc: 'ffmpeg binary.' },
  FFPROBE_BIN: { schema: z.string().default('ffprobe'), doc: 'ffprobe binary.' },
  TIMEZONE: {
    schema: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'use an IANA time zone such as Asia/Shanghai')
      .default('Asia/Shanghai'),
    doc: 'The district’s time zone: timetable times are local to it (EPG, channels).',
  },
  ATTENDANCE_LATE_AFTER: {
    schema: duration('5m'),
    doc: 'A student who joins a lesson later than this after its start is marked late.',
  },
  ATTENDANCE_PRESENT_PERCENT: {
    schema: z.coerce.number().int().min(1).max(100).default(50),
    doc: 'Share of a lesson (percent) a student must watch to count as present; less is partial.',
  },
  ABSENCE_NOTICE_AFTER: {
    schema: duration('10m'),
    doc: 'How long after a lesson ends its absentees’ parents get an absence notice (time for TV check-ins and teachers’ marks to land first).',
  },
  SUPERVISION_SWEEP_EVERY: {
    schema: duration('10m'),
    doc: 'How often each class’s day is summarised for the supervision roll-ups (district → school → grade → class); admins may refresh today at once from the page. 0s: no background summaries on this instance (another instance makes them).',
  },
  NOTIFY_WEBHOOK_URL: {
    schema: z
      .url({ protocol: /^https?$/, message: 'use an http(s) URL of your SMS/WeChat gateway' })
      .optional(),
    doc: 'Where notices to parents are also POSTed as JSON (the district’s SMS/WeChat gateway; retried with backoff). Unset: in-app only.',
  },
  NOTIFY_WEBHOOK_SECRET: {
    schema: z.string().min(16, 'use at least 16 characters').optional(),
    doc: 'Shared secret the webhook body is signed with (X-Skyclass-Signature: sha256=HMAC). Required with NOTIFY_WEBHOOK_URL.',
  },
  ROLES: {
    schema: z
      .string()
      .default('all')
      .transform((v, ctx) => {
        const parts = v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        const known = ['api', 'media', 'worker'];
        if (parts.length === 1 && parts[0] === 'all') return new Set(known) as ReadonlySet<Role>;
        const bad = parts.filter((p) => !known.includes(p));
        if (bad.length || parts.length === 0) {
          ctx.addIssue({ code: 'custom', message: 'use all, or a comma list of api, media, worker' });
          return z.NEVER;
        }
        return new Set(parts) as ReadonlySet<Role>;
      }),
    doc: 'What this process runs: api (HTTP, socket.io, the scheduler lease), media (a media node: mediasoup and the live HLS of its rooms), worker (transcodes); all = every role in one process.',
  },
  MEDIA_NODE_HOST: {
    schema: z.string().default('127.0.0.1'),
    doc: "Interface of a media node's internal API (api instances drive its SFU through it); a private address, never the public one.",
  },
  MEDIA_NODE_PORT: { schema: port(0), doc: "Port of the media node's internal API (0: any free port)." },
  MEDIA_NODE_URL: {
    schema: z.url({ message: 'must be an absolute URL such as http://10.0.1.7:7100' }).optional(),
    doc: "How api instances reach this media node's internal API. Default: http://MEDIA_NODE_HOST:port.",
  },
  MEDIA_NODE_MAX_PEERS: {
    schema: z.coerce.number().int().min(1).max(100000).default(400),
    doc: 'WebRTC connections a media node takes before new rooms go to another node.',
  },
  MEDIA_NODE_ORPHAN_GRACE: {
    schema: duration('30s'),
    doc: 'A connection whose api instance died is closed on its media node after this long unless its page reconnected to another instance and took it over.',
  },
  MEDIA_ROOM_NODE_SHARE: {
    schema: z.coerce.number().int().min(1).max(100000).default(300),
    doc: 'WebRTC viewers of one lesson a media node takes before further viewers join another node, fed from the first through a mediasoup pipe (a lesson bigger than one node).',
  },
  SFU: {
    schema: z.enum(['mediasoup', 'off'], { message: 'use mediasoup or off' }).default('mediasoup'),
    doc: 'Run mediasoup for live lessons and side rooms (mediasoup) or not (off: live lessons cannot start).',
  },
  MEDIASOUP_WORKERS: {
    schema: z.coerce.number().int().min(1).max(64).optional(),
    doc: 'mediasoup worker processes (each uses one core). Default: one per core.',
  },
  MEDIASOUP_LISTEN_IP: {
    schema: z.ipv4({ message: 'use an IPv4 address such as 127.0.0.1 or 0.0.0.0' }).default('127.0.0.1'),
    doc: 'Address WebRTC transports listen on: 127.0.0.1 serves this machine only; 0.0.0.0 or a LAN address serves a network.',
  },
  MEDIASOUP_ANNOUNCED_IP: {
    schema: z.ipv4({ message: 'use the public IPv4 address browsers reach' }).optional(),
    doc: 'Address told to browsers when the server is behind NAT (the public address).',
  },
  MEDIASOUP_RTC_PORTS: {
    schema: z
      .string()
      .regex(/^\d{4,5}-\d{4,5}$/, { message: 'use a range such as 40000-40999' })
      .refine((v) => {
        const [a, b] = v.split('-').map(Number);
        return a! >= 1024 && b! <= 65535 && a! < b!;
      }, 'the range must be within 1024-65535, low-high')
      .default('40000-40999'),
    doc: 'UDP/TCP port range of WebRTC transports (open it in the firewall).',
  },
  WEB_DIST_DIR: { schema: z.string().default('./web-player/dist'), doc: 'Built web app to serve.' },
} as const;

export type Role = 'api' | 'media' | 'worker';

type Settings = typeof SETTINGS;
export type RawConfig = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export interface Config extends RawConfig {
  dataDir: string;
  storageDriver: 'local' | 's3';
  publicBaseUrl: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee the configuration table in README.md.`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const shape = Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.schema])) as {
    [K in keyof Settings]: Settings[K]['schema'];
  };
  // Empty strings count as unset, as in most twelve-factor apps.
  const input = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = z.object(shape).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      return `${key}=${JSON.stringify(env[key])}: ${i.message}`;
    });
    throw new ConfigError(problems);
  }
  const raw = parsed.data as RawConfig;
  const storageDriver = raw.STORAGE_DRIVER ?? (raw.S3_BUCKET ? 's3' : 'local');
  if (storageDriver === 's3' && !raw.S3_BUCKET) {
    throw new ConfigError(['STORAGE_DRIVER=s3 needs S3_BUCKET (and usually S3_ENDPOINT and keys)']);
  }
  // A process with only some roles shares its state with the others: a private Redis or a private
  // storage folder would split the district in pieces.
  if (raw.ROLES.size < 3) {
    const problems: string[] = [];
    if (!raw.REDIS_URL && !raw.REDIS_SENTINELS)
      problems.push(
        `ROLES=${[...raw.ROLES].join(',')} needs the Redis every process shares: set REDIS_URL or REDIS_SENTINELS`,
      );
    if (storageDriver === 'local' && !raw.STORAGE_DIR)
      problems.push(
        `ROLES=${[...raw.ROLES].join(',')} needs the storage every process shares: set S3_BUCKET, or STORAGE_DIR to a folder they all use`,
      );
    if (problems.length) throw new ConfigError(problems);
  }
  if (raw.NOTIFY_WEBHOOK_URL && !raw.NOTIFY_WEBHOOK_SECRET) {
    throw new ConfigError([
      'NOTIFY_WEBHOOK_URL needs NOTIFY_WEBHOOK_SECRET (at least 16 characters; the gateway checks the signature with it)',
    ]);
  }
  return {
    ...raw,
    dataDir: path.resolve(raw.DATA_DIR),
    storageDriver,
    publicBaseUrl: (
      raw.PUBLIC_BASE_URL ?? `http://${raw.HOST === '0.0.0.0' ? '127.0.0.1' : raw.HOST}:${raw.PORT}`
    ).replace(/\/$/, ''),
  };
}

/** For the command-line entry points: the config, or the problem printed and exit code 2. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
}
