/**
 * Homework files over tus 1.0 (@tus/server with a file store, as lesson
 * uploads): a photo sent from a phone on a weak network resumes from the
 * offset the server reports instead of starting again. When the last byte
 * arrives the file is classified from its bytes (attachments.ts), moved into
 * storage under homework/<upload id>, and kept as the uploader's until a
 * submission, an assignment or a mark names it (HomeworkStore.claimFile).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Server as TusServer, type Locker } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { AppError } from '../errors.ts';
import type { User } from '../district/model.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { Logger } from '../logger.ts';
import { cleanUpExpired, ownerGuard, safeFilename, tusError } from '../http/uploads.ts';
import type { Attachment } from '../../contracts/homework.ts';
import {
  ACCEPTED_DESCRIPTION,
  CLASSIFY_BYTES,
  classifyAttachment,
  MAX_ATTACHMENT_BYTES,
  MAX_HOMEWORK_UPLOAD_BYTES,
} from './attachments.ts';

export const HOMEWORK_UPLOAD_PATH = '/api/homework/uploads';
/** Students (homework), co-teachers (homework, marks, class materials), lead teachers and district admins (learning materials). */
const UPLOAD_ROLES: readonly string[] = ['student', 'co_teacher', 'lead_teacher', 'district_admin'];

export interface HomeworkUploadDeps {
  dir: string;
  locker: Locker;
  expiryMs: number;
  storage: Storage;
  logger: Logger;
  authenticate: (authorization: string | null) => Promise<User>;
  /** A finished, classified file: kept for its uploader to attach. */
  onFile: (user: User, file: Attachment, key: string) => Promise<void>;
}

export const homeworkFileKey = (id: string) => `homework/${id}`;

export function createHomeworkUploadServer(d: HomeworkUploadDeps): TusServer {
  fs.mkdirSync(d.dir, { recursive: true });
  const datastore = new FileStore({ directory: d.dir, expirationPeriodInMilliseconds: d.expiryMs });
  const { guardOwner, forget } = ownerGuard(datastore, d.logger);
  const userOf = async (req: Request): Promise<User> => {
    try {
      const user = await d.authenticate(req.headers.get('authorization'));
      if (!UPLOAD_ROLES.includes(user.role))
        throw new AppError(
          'FORBIDDEN_ROLE',
          'Only students and teachers upload homework and learning materials.',
        );
      return user;
    } catch (e) {
      if (e instanceof AppError) throw tusError(e);
      throw e;
    }
  };
  const tus: TusServer = new TusServer({
    path: HOMEWORK_UPLOAD_PATH,
    datastore,
    locker: d.locker,
    maxSize: MAX_HOMEWORK_UPLOAD_BYTES,
    relativeLocation: true,
    respectForwardedHeaders: true,
    async onIncomingRequest(req, uploadId) {
      await guardOwner(
        uploadId,
        req.method,
        await userOf(req),
        'This file is being uploaded by someone else.',
      );
    },
    async onUploadCreate(req, upload) {
      const user = await userOf(req);
      if (!upload.size)
        throw tusError(
          new AppError('VALIDATION_FAILED', 'The file is empty: choose the photo or recording again.'),
        );
      const filename = safeFilename(upload.metadata?.filename ?? 'file');
      return { metadata: { filename, uploaderId: user.id } };
    },
    async onUploadFinish(req, upload) {
      const user = await userOf(req);
      const local = upload.storage?.path ?? `${d.dir}/${upload.id}`;
      const head = Buffer.alloc(CLASSIFY_BYTES);
      const fh = await fsp.open(local, 'r');
      let bytesRead = 0;
      try {
        bytesRead = (await fh.read(head, 0, CLASSIFY_BYTES, 0)).bytesRead;
      } finally {
        await fh.close();
      }
      const what = classifyAttachment(head.subarray(0, bytesRead));
      const size = upload.size ?? 0;
      const refuse = async (e: AppError) => {
        await fsp.rm(local, { force: true });
        await fsp.rm(`${local}.json`, { force: true });
        forget(upload.id);
        return tusError(e);
      };
      if (!what) {
        throw await refuse(
          new AppError(
            'UNSUPPORTED_MEDIA_TYPE',
            `"${upload.metadata?.filename ?? 'This file'}" is not ${ACCEPTED_DESCRIPTION}, whatever its name says. Take the photo again or choose another file.`,
          ),
        );
      }
      if (size > MAX_ATTACHMENT_BYTES[what.kind]) {
        throw await refuse(
          new AppError(
            'PAYLOAD_TOO_LARGE',
            `This ${what.kind} is ${(size / 1048576).toFixed(1)} MB; the limit is ${MAX_ATTACHMENT_BYTES[what.kind] / 1048576} MB.`,
          ),
        );
      }
      const key = homeworkFileKey(upload.id);
      const dest = d.storage.localPath?.(key);
      if (dest) {
        // Same disk: a rename, not a second copy of the bytes (the type is kept in the file record).
        await fsp.mkdir(path.dirname(dest), { recursive: true });
        await fsp.rename(local, dest).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'EXDEV') throw e;
          await d.storage.put(key, fs.createReadStream(local), { contentType: what.contentType });
        });
      } else {
        await d.storage.put(key, fs.createReadStream(local), {
          contentType: what.contentType,
          cacheControl: 'private, max-age=86400',
        });
      }
      await fsp.rm(local, { force: true });
      await fsp.rm(`${local}.json`, { force: true });
      const file: Attachment = {
        id: upload.id,
        name: upload.metadata?.filename ?? 'file',
        kind: what.kind,
        contentType: what.contentType,
        size,
      };
      await d.onFile(user, file, key);
      forget(upload.id);
      return {
        status_code: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ file }),
      };
    },
  });
  cleanUpExpired(tus, d.expiryMs, d.logger, 'homework upload');
  return tus;
}
