import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  checkKey,
  checkRange,
  contentTypeFor,
  StorageError,
  type ByteRange,
  type GetResult,
  type ObjectInfo,
  type PutOptions,
  type Storage,
  type UrlOptions,
} from './Storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** CDN or public bucket URL for unsigned links. */
  publicBaseUrl?: string;
  defaultUrlTtlMs: number;
  /** Multipart part size; memory held per upload is about partSize × queueSize. */
  partSize?: number;
}

const isNotFound = (e: unknown) =>
  e instanceof S3ServiceException &&
  (e.$metadata.httpStatusCode === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound');

export class S3Storage implements Storage {
  readonly driver = 's3' as const;
  readonly client: S3Client;
  readonly #o: S3StorageOptions;

  constructor(o: S3StorageOptions) {
    this.#o = o;
    this.client = new S3Client({
      region: o.region,
      endpoint: o.endpoint,
      forcePathStyle: o.forcePathStyle,
      ...(o.accessKeyId && o.secretAccessKey
        ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } }
        : {}),
    });
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<ObjectInfo> {
    checkKey(key);
    const contentType = options.contentType ?? contentTypeFor(key);
    // lib-storage streams in parts: at most partSize × queueSize bytes are buffered.
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.#o.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
      },
      partSize: this.#o.partSize ?? 8 * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
    const info = await this.head(key);
    if (!info) throw new Error(`S3 object ${key} missing right after upload`);
    return info;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.#o.bucket, Key: key }));
      return {
        key,
        size: r.ContentLength ?? 0,
        lastModified: r.LastModified ?? new Date(0),
        contentType: r.ContentType ?? contentTypeFor(key),
        ...(r.ETag ? { etag: r.ETag } : {}),
      };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const info = await this.head(key);
    if (!info) throw new StorageError('NOT_FOUND', `No object "${key}"`);
    const r = checkRange(range, info.size);
    const out = await this.client.send(
      new GetObjectCommand({
        Bucket: this.#o.bucket,
        Key: key,
        ...(r ? { Range: `bytes=${r.start}-${r.end}` } : {}),
      }),
    );
    if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no Node stream');
    return { body: out.Body, info, ...(r ? { range: r } : {}) };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.#o.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield {
          key: o.Key,
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
          contentType: contentTypeFor(o.Key),
          ...(o.ETag ? { etag: o.ETag } : {}),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.#o.bucket, Key: key }));
  }

  async url(key: string, options: UrlOptions = {}): Promise<string> {
    checkKey(key);
    if (options.signed === false && this.#o.publicBaseUrl) {
      return `${this.#o.publicBaseUrl.replace(/\/$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
    }
    const expiresIn = Math.max(1, Math.round((options.expiresInMs ?? this.#o.defaultUrlTtlMs) / 1000));
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.#o.bucket, Key: key }), {
      expiresIn,
    });
  }
}
