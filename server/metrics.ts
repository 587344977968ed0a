import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CHANNEL_STATES, type DutySnapshot } from '../contracts/duty.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  logins: Counter<'result'>;
  childCrashes: Counter<'process'>;
  /** How late the scheduler's leader fired each channel switch (bounded: histogram buckets). */
  switchLateness: Histogram;
  /** Live HLS: moving one finished segment into storage (a media node). */
  segmentWrite: Histogram;
  /** Live ffmpeg processes that crashed and were restarted (a media node). */
  liveFfmpegRestarts: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'skyclass_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'skyclass_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    logins: new Counter({
      name: 'skyclass_logins_total',
      help: 'Login attempts by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    childCrashes: new Counter({
      name: 'skyclass_child_process_crashes_total',
      help: 'Unexpected exits of supervised child processes',
      labelNames: ['process'],
      registers: [registry],
    }),
    segmentWrite: new Histogram({
      name: 'skyclass_live_segment_write_seconds',
      help: 'Time to store one finished live HLS segment (local disk or S3)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    liveFfmpegRestarts: new Counter({
      name: 'skyclass_live_ffmpeg_restarts_total',
      help: 'Live HLS ffmpeg processes that crashed and were restarted',
      registers: [registry],
    }),
    switchLateness: new Histogram({
      name: 'skyclass_channel_switch_lateness_seconds',
      help: 'How long after its time the scheduler fired a channel switch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 60],
      registers: [registry],
    }),
  };
}

/** Gauges read from the password hasher at each scrape: running, waiting, and the peak since start. */
export function observePasswordHashes(
  metrics: Metrics,
  source: { readonly running: number; readonly peak: number; readonly waiting: number },
): void {
  const gauges: [name: string, help: string, read: () => number][] = [
    ['skyclass_password_hashes_running', 'Password hashes (scrypt) running now', () => source.running],
    [
      'skyclass_password_hashes_peak',
      'Most password hashes that ran at once since start (bounded by PASSWORD_HASH_CONCURRENCY)',
      () => source.peak,
    ],
    ['skyclass_password_hashes_waiting', 'Sign-ins waiting for a password-hash slot', () => source.waiting],
  ];
  observe(metrics, gauges);
}

/**
 * The duty console's figures as Prometheus series, read at each scrape from one snapshot (kept 5 s):
 * per-channel state, per-lesson viewers and media age, media nodes' load, transcode jobs, alerts.
 */
export function observeDuty(metrics: Metrics, snapshot: () => Promise<DutySnapshot>): void {
  let memo: { at: number; s: Promise<DutySnapshot> } | undefined;
  const read = () => {
    if (!memo || Date.now() - memo.at > 5000) memo = { at: Date.now(), s: snapshot() };
    return memo.s;
  };
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    fill: (g: Gauge<L>, s: DutySnapshot) => void,
  ) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        fill(this, await read());
      },
    });
  gauge(
    'skyclass_channel_state',
    'Each channel’s state now (1 for the current one)',
    ['channel', 'state'],
    (g, s) => {
      for (const c of s.channels)
        for (const st of CHANNEL_STATES) g.set({ channel: c.id, state: st }, c.state === st ? 1 : 0);
    },
  );
  gauge('skyclass_live_viewers', 'WebRTC viewers of each live lesson', ['lesson', 'grade'], (g, s) => {
    for (const l of s.live) g.set({ lesson: l.id, grade: String(l.grade) }, l.viewers);
  });
  gauge(
    'skyclass_live_media_age_seconds',
    'Seconds since each live lesson last received media',
    ['lesson'],
    (g, s) => {
      for (const l of s.live) if (l.mediaAgeSec !== null) g.set({ lesson: l.id }, l.mediaAgeSec);
    },
  );
  gauge('skyclass_media_node_load', 'WebRTC connections on each media node', ['node'], (g, s) => {
    for (const n of s.nodes) g.set({ node: n.id }, n.load);
  });
  gauge('skyclass_transcode_jobs', 'Transcode jobs by state', ['state'], (g, s) => {
    for (const [k, v] of Object.entries(s.transcodes)) g.set({ state: k }, v);
  });
  gauge('skyclass_duty_alerts', 'Open duty-console alerts by code', ['code', 'level'], (g, s) => {
    for (const a of s.alerts) g.inc({ code: a.code, level: a.level });
  });
}

/** Gauges whose value is read at each scrape. */
export function observe(metrics: Metrics, gauges: [name: string, help: string, read: () => number][]): void {
  for (const [name, help, read] of gauges)
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(read());
      },
    });
}
