/**
 * Resumable lesson uploads over tus 1.0 (@tus/server with a file store).
 * Bytes stream to DATA_DIR/uploads and are never held whole in memory; an
 * interrupted upload resumes from the offset the server reports. When the
 * last byte arrives, the original moves into storage and a transcode job
 * is queued.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Server as TusServer, type Locker, type Upload } from '@tus/server';
import { FileStore } from '@tus/file-store';
import type { Request as ExpressRequest, Response as ExpressResponse } from 'express';
import { AppError } from '../errors.ts';
import type { User } from '../district/model.ts';
import { canUploadFor, canUploadForClass } from '../lessons/lessonPolicy.ts';
import { CLASS_VIDEO_MAX_BYTES, CLASS_VIDEO_MAX_SEC } from '../../contracts/lessons.ts';
import type { SchoolClass } from '../district/model.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { Logger } from '../logger.ts';
import { MEDIA_ERROR_MESSAGES } from '../../core/ffmpeg/MediaError.ts';
import { ignore } from '../../core/ignore.ts';

export const UPLOAD_PATH = '/api/uploads';

/** A finished upload: the original is in storage under sourceKey. */
export interface UploadedLesson {
  lessonId: string;
  sourceKey: string;
  filename: string;
  size: number;
  title: string;
  grade: number;
  subject: string;
  /** A co-teacher's class-only video (微课): its class and that class's school. */
  classId?: string;
  schoolId?: string;
}

export interface UploadDeps {
  /** Unfinished uploads: one folder shared by every api instance. */
  dir: string;
  /** The lock shared by every api instance (Redis). */
  locker: Locker;
  /** Unfinished uploads untouched this long are removed. */
  expiryMs: number;
  maxSize: number;
  storage: Storage;
  logger: Logger;
  authenticate: (authorization: string | null) => Promise<User>;
  gradeExists: (grade: number) => Promise<boolean>;
  classOf: (id: string) => Promise<SchoolClass | undefined>;
  onUploaded: (user: User, info: UploadedLesson) => Promise<void>;
  newLessonId: () => string;
}

/** tus hooks report errors as {status_code, body}; the body is Skyclass's JSON error. */
export function tusError(e: AppError): { status_code: number; body: string } {
  return { status_code: e.status, body: JSON.stringify(e.toJSON()) };
}

export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'video';
  const cleaned = base
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^\.+/, '')
    .slice(-100);
  return cleaned || 'video';
}

/**
 * Only the account that created an upload may continue or inspect it. The owner is remembered per
 * instance and read from the upload's metadata (shared folder) on another instance.
 */
export function ownerGuard(datastore: FileStore, logger: Logger) {
  const uploaders = new Map<string, string>();
  return {
    async guardOwner(uploadId: string | undefined, method: string, user: User, message: string) {
      if (!uploadId || method === 'POST' || method === 'OPTIONS') return;
      let owner = uploaders.get(uploadId);
      if (!owner) {
        const upload = await datastore
          .getUpload(uploadId)
          .catch(ignore('an upload that is not on this instance (refused below)', logger));
        owner = upload?.metadata?.uploaderId ?? undefined;
        if (owner) uploaders.set(uploadId, owner);
      }
      if (owner && owner !== user.id) throw tusError(new AppError('FORBIDDEN_SCOPE', message));
    },
    forget: (uploadId: string) => uploaders.delete(uploadId),
  };
}

export function createUploadServer(d: UploadDeps): TusServer {
  fs.mkdirSync(d.dir, { recursive: true });
  const datastore = new FileStore({ directory: d.dir, expirationPeriodInMilliseconds: d.expiryMs });
  const { guardOwner, forget } = ownerGuard(datastore, d.logger);

  const userOf = async (req: Request): Promise<User> => {
    try {
      const user = await d.authenticate(req.headers.get('authorization'));
      if (!['lead_teacher', 'district_admin', 'co_teacher'].includes(user.role)) {
        throw new AppError(
          'FORBIDDEN_ROLE',
          'Only lead teachers and administrators upload lessons (and co-teachers their class videos).',
        );
      }
      return user;
    } catch (e) {
      if (e instanceof AppError) throw tusError(e);
      throw e;
    }
  };

  const tus: TusServer = new TusServer({
    path: UPLOAD_PATH,
    datastore,
    locker: d.locker,
    maxSize: d.maxSize,
    relativeLocation: true,
    respectForwardedHeaders: true,
    async onIncomingRequest(req, uploadId) {
      const user = await userOf(req);
      await guardOwner(uploadId, req.method, user, 'This upload belongs to another teacher.');
    },
    async onUploadCreate(req, upload) {
      const user = await userOf(req);
      const m = upload.metadata ?? {};
      const bad = (msg: string) => tusError(new AppError('VALIDATION_FAILED', msg));
      if (upload.size === 0)
        throw tusError(new AppError('VALIDATION_FAILED', MEDIA_ERROR_MESSAGES.MEDIA_EMPTY));
      if (upload.size === undefined) throw bad('The upload size must be known (send Upload-Length).');
      const title = (m.title ?? '').trim();
      const subject = (m.subject ?? '').trim();
      if (!title || title.length > 100) throw bad('Give the lesson a title of 1–100 characters.');
      if (!subject || subject.length > 20) throw bad('Choose the subject of the lesson.');
      if (m.classId) {
        // A class-only video (微课): the class's co-teachers, short and small.
        const cls = await d.classOf(m.classId);
        if (!cls) throw bad(`There is no class ${m.classId}.`);
        if (!canUploadForClass(user, cls.id))
          throw tusError(
            new AppError('FORBIDDEN_SCOPE', `Only the co-teachers of ${cls.name} add videos for it.`),
          );
        if (upload.size > CLASS_VIDEO_MAX_BYTES)
          throw tusError(
            new AppError(
              'PAYLOAD_TOO_LARGE',
              `A class video may be at most ${CLASS_VIDEO_MAX_BYTES / 1024 ** 3} GB and ${CLASS_VIDEO_MAX_SEC / 60} minutes; this file is ${(upload.size / 1024 ** 3).toFixed(1)} GB. Shorten it or lower its quality.`,
            ),
          );
        return {
          metadata: {
            ...m,
            title,
            subject,
            grade: String(cls.grade),
            classId: cls.id,
            schoolId: cls.schoolId,
            uploaderId: user.id,
          },
        };
      }
      if (user.role === 'co_teacher')
        throw tusError(
          new AppError(
            'FORBIDDEN_SCOPE',
            'Co-teachers upload videos for their own class (choose the class); grade lessons are the lead teachers’.',
          ),
        );
      const grade = Number(m.grade);
      if (!Number.isInteger(grade) || !(await d.gradeExists(grade)))
        throw bad(`Grade "${m.grade ?? ''}" is not a grade of this district.`);
      if (!canUploadFor(user, grade)) {
        throw tusError(
          new AppError(
            'FORBIDDEN_SCOPE',
            `You teach grade ${(user.grades ?? []).join(', ')}, not grade ${grade}.`,
          ),
        );
      }
      return { metadata: { ...m, title, subject, grade: String(grade), uploaderId: user.id } };
    },
    async onUploadFinish(req, upload) {
      const user = await userOf(req);
      const lessonId = d.newLessonId();
      const info = await moveToStorage(d, upload, lessonId);
      const m = upload.metadata ?? {};
      await d.onUploaded(user, {
        lessonId,
        ...info,
        title: m.title!,
        grade: Number(m.grade),
        subject: m.subject!,
        ...(m.classId && m.schoolId ? { classId: m.classId, schoolId: m.schoolId } : {}),
      });
      forget(upload.id);
      return {
        status_code: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ lessonId }),
      };
    },
  });
  cleanUpExpired(tus, d.expiryMs, d.logger, 'upload');
  return tus;
}

/** Removes a tus server's unfinished uploads left untouched for `expiryMs`, a few times per period. */
export function cleanUpExpired(tus: TusServer, expiryMs: number, logger: Logger, what: string): void {
  const timer = setInterval(
    () => {
      tus.cleanUpExpiredUploads().catch((err: Error) => logger.warn({ err }, `${what} clean-up failed`));
    },
    Math.min(3600_000, Math.max(60_000, expiryMs / 4)),
  );
  timer.unref();
}

async function moveToStorage(
  d: UploadDeps,
  upload: Upload,
  lessonId: string,
): Promise<{ sourceKey: string; filename: string; size: number }> {
  const filename = safeFilename(upload.metadata?.filename ?? 'video');
  // The name's extension is not kept: what the file is gets decided from its content (core/ffmpeg/sniff.ts).
  const sourceKey = `originals/${lessonId}/source`;
  const path = upload.storage?.path ?? `${d.dir}/${upload.id}`;
  const localDest = d.storage.localPath?.(sourceKey);
  if (localDest) {
    await fsp.mkdir(localDest.slice(0, localDest.lastIndexOf('/')), { recursive: true });
    try {
      await fsp.rename(path, localDest); // same disk: instant, even for 4 GB
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await d.storage.put(sourceKey, fs.createReadStream(path));
      await fsp.rm(path, { force: true });
    }
  } else {
    await d.storage.put(sourceKey, fs.createReadStream(path));
    await fsp.rm(path, { force: true });
  }
  await fsp.rm(`${path}.json`, { force: true });
  return { sourceKey, filename, size: upload.size ?? 0 };
}

export function uploadHandler(tus: TusServer) {
  return (req: ExpressRequest, res: ExpressResponse) => {
    void tus.handle(req, res);
  };
}
