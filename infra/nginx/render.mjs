#!/usr/bin/env node
/* global process, console */
// Renders infra/nginx/lb.conf.template (with hls_cache.conf written into each HLS location):
//   node infra/nginx/render.mjs PREFIX LISTEN host:port[,host:port…] [USER] [CACHE_SIZE] [ACCESS_LOG] > nginx.conf
// USER: the account nginx's workers run as when nginx is started as root. PREFIX must exist; nginx
// makes its temporary folders and its HLS cache in it. CACHE_SIZE: the HLS cache's bound on disk
// (default 10g). ACCESS_LOG: a file, or off (the default).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATE = path.join(HERE, 'lb.conf.template');
const HLS_CACHE = path.join(HERE, 'hls_cache.conf');

/** The edge's config (load balancer + HLS cache) for these api instances; `user` when nginx runs as root. */
export function renderLb({
  prefix,
  listen,
  apis,
  user,
  cacheSize = '10g',
  accessLog = 'off',
  authCacheDir = `${prefix}/auth_cache`,
  hlsCache = true,
}) {
  const hlsCacheConf = fs
    .readFileSync(HLS_CACHE, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .join('\n      ');
  let template = fs.readFileSync(TEMPLATE, 'utf8');
  // hlsCache: false — the load balancer alone (everything goes to the api instances uncached).
  if (!hlsCache)
    template = template.replace(/ {4}# ---- HLS cache -+\n[\s\S]*?(?= {4}# ---- everything else)/, '');
  return template
    .replaceAll('__HLS_CACHE__', hlsCacheConf)
    .replaceAll('__CACHE_SIZE__', cacheSize)
    .replaceAll('__AUTH_CACHE_DIR__', authCacheDir)
    .replaceAll('__ACCESS_LOG__', accessLog === 'off' ? 'off' : `${accessLog} skyclass buffer=64k flush=1s`)
    .replaceAll('__PREFIX__', prefix)
    .replaceAll('__LISTEN__', listen)
    .replaceAll('__USER__', user ? `user ${user};` : '')
    .replaceAll(
      '__API_SERVERS__',
      apis.map((a) => `server ${a} max_fails=1 fail_timeout=5s;`).join('\n    '),
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [prefix, listen, apis, user, cacheSize, accessLog] = process.argv.slice(2);
  if (!prefix || !listen || !apis) {
    console.error(
      'usage: node infra/nginx/render.mjs PREFIX LISTEN host:port[,host:port…] [USER] [CACHE_SIZE] [ACCESS_LOG]',
    );
    process.exit(2);
  }
  process.stdout.write(
    renderLb({
      prefix: path.resolve(prefix),
      listen,
      apis: apis.split(','),
      user: user || undefined,
      cacheSize: cacheSize || undefined,
      accessLog: accessLog || undefined,
    }),
  );
}
