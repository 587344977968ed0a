/**
 * One contract, two drivers: the local filesystem, and S3 through
 * @aws-sdk/client-s3 against a real S3-compatible HTTP server (s3rver).
 */
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../core/storage/LocalStorage.ts';
import { S3Storage } from '../../core/storage/S3Storage.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { tmpDir } from '../helpers/tmp.ts';

/** A deterministic pseudo-random stream of `size` bytes, produced chunk by chunk (never whole in memory). */
function bigStream(size: number, seed = 'skyclass'): { stream: Readable; sha256: () => string } {
  const hash = crypto.createHash('sha256');
  let produced = 0;
  let counter = 0;
  const stream = new Readable({
    read() {
      if (produced >= size) return this.push(null);
      const n = Math.min(1 << 20, size - produced);
      const chunk = Buffer.alloc(n);
      for (let off = 0; off < n; off += 32) {
        crypto.createHash('sha256').update(`${seed}:${counter++}`).digest().copy(chunk, off);
      }
      produced += n;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

async function sha256Of(s: Readable): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const c of s) h.update(c as Buffer);
  return h.digest('hex');
}

let s3server: S3rver;
let s3: S3Storage;

beforeAll(async () => {
  s3server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: tmpDir('s3rver'),
    configureBuckets: [{ name: 'skyclass' }],
  });
  const addr = await s3server.run();
  s3 = new S3Storage({
    bucket: 'skyclass',
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${addr.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    defaultUrlTtlMs: 60_000,
    partSize: 5 * 1024 * 1024,
  });
});
afterAll(async () => s3server?.close());

const drivers: [string, () => Storage][] = [
  [
    'local',
    () =>
      new LocalStorage({
        root: tmpDir('local'),
        baseUrl: () => 'http://127.0.0.1:1/files',
        signingKey: 'k',
        defaultUrlTtlMs: 60_000,
      }),
  ],
  ['s3', () => s3],
];

describe.each(drivers)('%s storage driver', (_name, make) => {
  let storage: Storage;
  beforeAll(() => {
    storage = make();
  });

  it('puts a 24 MB stream (multipart on S3) and reads it back identically', async () => {
    const src = bigStream(24 * 1024 * 1024);
    const info = await storage.put('big/lesson.mp4', src.stream);
    expect(info.size).toBe(24 * 1024 * 1024);
    expect(info.contentType).toBe('video/mp4');
    const got = await storage.get('big/lesson.mp4');
    expect(await sha256Of(got.body)).toBe(src.sha256());
  });

  it('reads byte ranges', async () => {
    await storage.put('r/abc.txt', 'abcdefghijklmnopqrstuvwxyz');
    const r = await storage.get('r/abc.txt', { start: 2, end: 5 });
    expect(await text(r.body)).toBe('cdef');
    expect(r.range).toEqual({ start: 2, end: 5 });
    const tail = await storage.get('r/abc.txt', { start: 20, end: 1000 });
    expect(await text(tail.body)).toBe('uvwxyz');
    await expect(storage.get('r/abc.txt', { start: 26, end: 30 })).rejects.toMatchObject({
      code: 'RANGE_NOT_SATISFIABLE',
    });
  });

  it('lists by prefix, heads and deletes', async () => {
    await storage.put('vod/l1/a.m3u8', '#EXTM3U\n');
    await storage.put('vod/l1/s/1.ts', Buffer.alloc(10));
    await storage.put('vod/l2/a.m3u8', '#EXTM3U\n');
    const keys: string[] = [];
    for await (const o of storage.list('vod/l1/')) keys.push(o.key);
    expect(keys.sort()).toEqual(['vod/l1/a.m3u8', 'vod/l1/s/1.ts']);
    expect((await storage.head('vod/l1/a.m3u8'))?.contentType).toBe('application/vnd.apple.mpegurl');
    await storage.delete('vod/l1/a.m3u8');
    expect(await storage.head('vod/l1/a.m3u8')).toBeUndefined();
    await expect(storage.get('vod/l1/a.m3u8')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses keys that try to escape', async () => {
    for (const k of ['../x', 'a/../../x', '/etc/passwd']) {
      await expect(storage.put(k, 'x')).rejects.toMatchObject({ code: 'INVALID_KEY' });
    }
  });

  it('makes signed URLs', async () => {
    await storage.put('u/poster.jpg', Buffer.from([0xff, 0xd8, 0xff]));
    const url = await storage.url('u/poster.jpg', { expiresInMs: 30_000 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(url).toMatch(/(sig=|X-Amz-Signature=)/);
  });
});

describe('S3 signed URLs work against the S3 server', () => {
  it('downloads with the signed URL, with a Range', async () => {
    await s3.put('u/hello.txt', 'hello s3');
    const url = await s3.url('u/hello.txt');
    const res = await fetch(url, { headers: { range: 'bytes=6-7' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('s3');
  });
});
