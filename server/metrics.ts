import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  logins: Counter<'result'>;
  childCrashes: Counter<'process'>;
  /** How late the scheduler's leader fired each channel switch (bounded: histogram buckets). */
  switchLateness: Histogram;
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
