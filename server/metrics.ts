import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  logins: Counter<'result'>;
  childCrashes: Counter<'process'>;
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
  };
}
