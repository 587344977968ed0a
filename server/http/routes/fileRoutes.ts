/**
 * Serves objects of the local storage driver through signed links, with
 * Range support and caching headers. (With S3, links point at S3 or the CDN.)
 */
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../errors.ts';
import { verifySignedPath } from '../../../recordings/storage/signedUrl.ts';
import { StorageError } from '../../../recordings/storage/Storage.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { parseRangeHeader } from '../range.ts';

export function registerFileRoutes(r: RouteRegistry, deps: AppDeps): void {
  r.add({
    method: 'get',
    path: '/files/*key',
    tag: 'storage',
    summary: 'Download a stored object through a signed link (?exp=&sig=), with Range support',
    auth: 'public',
    async handler({ req, res }) {
      await serveSigned(req, res, deps);
      return undefined;
    },
  });
}

async function serveSigned(req: Request, res: Response, deps: AppDeps): Promise<void> {
  const raw = (req.params as unknown as { key: string[] }).key;
  const key = Array.isArray(raw) ? raw.join('/') : String(raw);
  const q = req.query as Record<string, string | undefined>;
  const verdict = verifySignedPath(deps.urlSigningKey, key, q.exp, q.sig);
  if (verdict === 'expired')
    throw new AppError(
      'AUTH_TOKEN_EXPIRED',
      'This download link has expired. Reload the page to get a new one.',
    );
  if (verdict !== 'ok')
    throw new AppError(
      'FORBIDDEN_SCOPE',
      'This download link is not valid. Open the file from Skyclass to get a working link.',
    );
  try {
    const info = await deps.storage.head(key);
    if (!info) throw new AppError('NOT_FOUND', 'This file does not exist (it may have been deleted).');
    res.set('Accept-Ranges', 'bytes');
    if (info.etag) res.set('ETag', info.etag);
    res.set('Last-Modified', info.lastModified.toUTCString());
    res.set('Content-Type', info.contentType);
    // Signed links are per-user: browsers may cache, shared caches must not.
    res.set('Cache-Control', 'private, max-age=3600');
    if (info.etag && req.get('if-none-match') === info.etag) {
      res.status(304).end();
      return;
    }
    const range = parseRangeHeader(req.get('range'), info.size);
    if (range === 'unsatisfiable') {
      res.set('Content-Range', `bytes */${info.size}`);
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        `The requested byte range is outside the file (size ${info.size}).`,
      );
    }
    const got = await deps.storage.get(key, range);
    if (got.range) {
      res.status(206).set('Content-Range', `bytes ${got.range.start}-${got.range.end}/${info.size}`);
      res.set('Content-Length', String(got.range.end - got.range.start + 1));
    } else {
      res.set('Content-Length', String(info.size));
    }
    if (req.method === 'HEAD') {
      got.body.destroy();
      res.end();
      return;
    }
    await pipeline(got.body, res);
  } catch (e) {
    if (e instanceof StorageError) {
      if (e.code === 'INVALID_KEY') throw new AppError('BAD_REQUEST', 'This file path is not allowed.');
      if (e.code === 'NOT_FOUND')
        throw new AppError('NOT_FOUND', 'This file does not exist (it may have been deleted).');
    }
    throw e;
  }
}
