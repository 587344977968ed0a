/**
 * Streams a stored object over HTTP with its content type, validators,
 * caching and Range support. A StorageError (no such key, a key not
 * allowed) becomes the API's error in server/errorMapping.ts.
 */
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { parseRangeHeader } from './range.ts';

export async function serveObject(
  req: Request,
  res: Response,
  storage: Storage,
  key: string,
  cacheControl: string,
  /** What the object is when the caller knows better than the store (e.g. sniffed on arrival). */
  contentType?: string,
): Promise<void> {
  const info = await storage.head(key);
  if (!info) throw new AppError('NOT_FOUND', 'This file does not exist (it may have been deleted).');
  res.set('Accept-Ranges', 'bytes');
  if (info.etag) res.set('ETag', info.etag);
  res.set('Last-Modified', info.lastModified.toUTCString());
  res.set('Content-Type', contentType ?? info.contentType);
  res.set('Cache-Control', cacheControl);
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
  if (req.method === 'HEAD') {
    res.set('Content-Length', String(info.size)).end();
    return;
  }
  const got = await storage.get(key, range);
  if (got.range) {
    res.status(206).set('Content-Range', `bytes ${got.range.start}-${got.range.end}/${info.size}`);
    res.set('Content-Length', String(got.range.end - got.range.start + 1));
  } else {
    res.set('Content-Length', String(info.size));
  }
  await pipeline(got.body, res);
}
