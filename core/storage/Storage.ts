/**
 * The storage interface every part of Skyclass writes media through
 * (recordings, live HLS, channel slates). Bodies are streams: a 4 GB upload
 * or a long recording never sits whole in memory.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  contentType: string;
  etag?: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface GetResult {
  body: Readable;
  info: ObjectInfo;
  /** Present when a range was asked for. */
  range?: ByteRange;
}

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
}

export interface UrlOptions {
  /** Signed link that expires; default true. */
  signed?: boolean;
  expiresInMs?: number;
}

export interface Storage {
  readonly driver: 'local' | 's3';
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<ObjectInfo>;
  get(key: string, range?: ByteRange): Promise<GetResult>;
  head(key: string): Promise<ObjectInfo | undefined>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  url(key: string, options?: UrlOptions): Promise<string>;
  /** The object's path on this machine, when the driver keeps objects as local files (lets ffmpeg read in place). */
  localPath?(key: string): string;
}

export type StorageErrorCode = 'NOT_FOUND' | 'INVALID_KEY' | 'RANGE_NOT_SATISFIABLE';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
  }
}

/**
 * Object keys are relative, '/'-separated, with no empty, '.' or '..'
 * segments, no backslashes or control characters: a key can never escape
 * the storage root or the bucket prefix.
 */
export function checkKey(key: string): string {
  const bad = (why: string) => new StorageError('INVALID_KEY', `Invalid object key "${key}": ${why}`);
  if (typeof key !== 'string' || key.length === 0) throw bad('empty');
  if (key.length > 1024) throw bad('longer than 1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) throw bad('control characters or backslashes');
  if (key.startsWith('/')) throw bad('absolute path');
  for (const seg of key.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw bad('empty, "." or ".." path segment');
  }
  return key;
}

export function checkRange(range: ByteRange | undefined, size: number): ByteRange | undefined {
  if (!range) return undefined;
  const end = Math.min(range.end, size - 1);
  if (range.start < 0 || range.start >= size || end < range.start) {
    throw new StorageError(
      'RANGE_NOT_SATISFIABLE',
      `Range ${range.start}-${range.end} is outside the object (size ${size})`,
    );
  }
  return { start: range.start, end };
}

const MIME: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  vtt: 'text/vtt',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  json: 'application/json',
  xml: 'application/xml',
  csv: 'text/csv; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

export function contentTypeFor(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return MIME[ext] ?? 'application/octet-stream';
}
