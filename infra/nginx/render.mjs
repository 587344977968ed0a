#!/usr/bin/env node
/* global process, console */
// Renders infra/nginx/lb.conf.template: node infra/nginx/render.mjs PREFIX LISTEN host:port[,host:port…] [USER] > nginx.conf
// (USER: the account nginx's workers run as when nginx is started as root. PREFIX must exist; nginx
// makes its temporary folders in it.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lb.conf.template');

/** The load balancer's config for these api instances; `user` when nginx runs as root. */
export function renderLb({ prefix, listen, apis, user }) {
  return fs
    .readFileSync(TEMPLATE, 'utf8')
    .replaceAll('__PREFIX__', prefix)
    .replaceAll('__LISTEN__', listen)
    .replaceAll('__USER__', user ? `user ${user};` : '')
    .replaceAll(
      '__API_SERVERS__',
      apis.map((a) => `server ${a} max_fails=1 fail_timeout=5s;`).join('\n    '),
    );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [prefix, listen, apis, user] = process.argv.slice(2);
  if (!prefix || !listen || !apis) {
    console.error('usage: node infra/nginx/render.mjs PREFIX LISTEN host:port[,host:port…] [USER]');
    process.exit(2);
  }
  process.stdout.write(renderLb({ prefix: path.resolve(prefix), listen, apis: apis.split(','), user }));
}
