import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
import { signPath } from './signedUrl.ts';

export interface LocalStorageOptions {
  root: string;
  /** Base URL under which the server serves this storage, e.g. http://host/files (read at each call). */
  baseUrl: () => string;
  signingKey: string;
  defaultUrlTtlMs: number;
}

export class LocalStorage implements Storage {
  readonly driver = 'local' as const;
  readonly root: string;
  readonly #opts: LocalStorageOptions;

  constructor(opts: LocalStorageOptions) {
    this.#opts = opts;
    this.root = path.resolve(opts.root);
    fs.mkdirSync(path.join(this.root, '.tmp'), { recursive: true });
  }

  #path(key: string): string {
    const p = path.join(this.root, checkKey(key));
    if (!p.startsWith(this.root + path.sep))
      throw new StorageError('INVALID_KEY', `Invalid object key "${key}"`);
    return p;
  }

  localPath(key: string): string {
    return this.#path(key);
  }

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<ObjectInfo> {
    const dest = this.#path(key);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    // Write beside, then rename: readers never see a half-written object.
    const tmp = path.join(this.root, '.tmp', crypto.randomBytes(8).toString('hex'));
    try {
      const src =
        typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
      await pipeline(src, fs.createWriteStream(tmp));
      await fsp.rename(tmp, dest);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    const st = await fsp.stat(dest);
    return {
      key,
      size: st.size,
      lastModified: st.mtime,
      contentType: options.contentType ?? contentTypeFor(key),
    };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fsp.stat(this.#path(key));
      if (!st.isFile()) return undefined;
      return {
        key,
        size: st.size,
        lastModified: st.mtime,
        contentType: contentTypeFor(key),
        etag: `"${st.size.toString(16)}-${st.mtimeMs.toString(16)}"`,
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const info = await this.head(key);
    if (!info) throw new StorageError('NOT_FOUND', `No object "${key}"`);
    const r = checkRange(range, info.size);
    const body = fs.createReadStream(this.#path(key), r ? { start: r.start, end: r.end } : {});
    return { body, info, ...(r ? { range: r } : {}) };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix !== '') checkKey(prefix.replace(/\/$/, ''));
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirKey ? this.#path(dirKey) : this.root;
    const walk = async function* (dir: string, rel: string): AsyncIterable<string> {
      let entries: fs.Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR')
          return;
        throw e;
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const ent of entries) {
        if (rel === '' && ent.name === '.tmp') continue;
        const k = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) yield* walk(path.join(dir, ent.name), k);
        else if (ent.isFile()) yield k;
      }
    };
    for await (const key of walk(start, dirKey)) {
      if (!key.startsWith(prefix)) continue;
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.#path(key), { force: true });
  }

  async url(key: string, options: UrlOptions = {}): Promise<string> {
    checkKey(key);
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    const base = `${this.#opts.baseUrl()}/${encoded}`;
    if (options.signed === false) return base;
    const exp = Math.floor((Date.now() + (options.expiresInMs ?? this.#opts.defaultUrlTtlMs)) / 1000);
    const sig = signPath(this.#opts.signingKey, key, exp);
    return `${base}?exp=${exp}&sig=${sig}`;
  }
}
