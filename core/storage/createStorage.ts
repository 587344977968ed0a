import path from 'node:path';
import type { Storage } from './Storage.ts';
import { LocalStorage } from './LocalStorage.ts';
import { S3Storage } from './S3Storage.ts';

export interface StorageSettings {
  driver: 'local' | 's3';
  dataDir: string;
  /** The local driver's folder (default dataDir/storage). */
  localDir?: string;
  /** The service's public URL, read at each link (it is known only once the server listens). */
  publicBaseUrl: () => string;
  signingKey: string;
  urlTtlMs: number;
  s3?: {
    bucket: string;
    region: string;
    endpoint?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
    publicBaseUrl?: string;
  };
}

export function createStorage(s: StorageSettings): Storage {
  if (s.driver === 's3') {
    if (!s.s3) throw new Error('S3 storage selected without S3 settings');
    return new S3Storage({ ...s.s3, defaultUrlTtlMs: s.urlTtlMs });
  }
  return new LocalStorage({
    root: s.localDir ?? path.join(s.dataDir, 'storage'),
    baseUrl: () => `${s.publicBaseUrl()}/files`,
    signingKey: s.signingKey,
    defaultUrlTtlMs: s.urlTtlMs,
  });
}
