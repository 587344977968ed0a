/**
 * Homework files in the browser: photos are resized before they go up (a
 * phone's 4–12 MB picture becomes a ~0.3–0.8 MB JPEG at 1600 px, enough to
 * read handwriting), everything goes up over tus (a dropped connection
 * retries and resumes from the server's offset), and files come back through
 * the API with the session (fetch → object URL), never as public links.
 */
import * as tus from 'tus-js-client';
import { ApiError, session } from './api.ts';
import type { Attachment } from '../../contracts/homework.ts';

export type { Attachment };
const MAX_EDGE = 1600;

/** A photo as a JPEG no larger than MAX_EDGE on its long side (EXIF orientation applied by the browser). */
export async function resizePhoto(file: File): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' }).catch(() => null);
  if (!bitmap) return file; // not decodable here: the server says what it is
  const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.85));
  return blob ?? file;
}

/** Uploads one file; resolves with what the server made of it. */
export function uploadHomeworkFile(
  blob: Blob,
  name: string,
  onProgress: (sent: number, total: number) => void,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(blob, {
      endpoint: '/api/homework/uploads',
      chunkSize: 512 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      headers: { authorization: `Bearer ${session.token}` },
      metadata: { filename: name },
      onProgress,
      onSuccess(payload) {
        resolve((JSON.parse(payload.lastResponse.getBody() || '{}') as { file: Attachment }).file);
      },
      onError(err) {
        const res = (err as { originalResponse?: { getStatus(): number; getBody(): string } | null })
          .originalResponse;
        let message = err.message;
        try {
          message = (JSON.parse(res?.getBody() ?? '') as { error: { message: string } }).error.message;
        } catch {
          /* keep tus-js-client's message */
        }
        reject(new ApiError(res?.getStatus() ?? 0, 'UPLOAD_FAILED', message));
      },
    });
    upload.start();
  });
}

const urls = new Map<string, Promise<string>>();
/** An object URL for a homework file (fetched once per page load with the session). */
export function fileUrl(id: string): Promise<string> {
  let u = urls.get(id);
  if (!u) {
    u = fetch(`/api/homework/files/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${session.token}` },
    }).then(async (res) => {
      if (!res.ok) throw new ApiError(res.status, 'FILE', res.statusText);
      return URL.createObjectURL(await res.blob());
    });
    u.catch(() => urls.delete(id));
    urls.set(id, u);
  }
  return u;
}
