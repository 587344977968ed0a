/**
 * What a homework file is, from its first bytes (never its name or the type
 * the browser claimed): photos a browser can show, voice recordings a browser
 * can play (what MediaRecorder makes: WebM/Opus in Chromium and Firefox, MP4
 * in Safari), and PDF worksheets. Anything else is refused with the reason.
 */
import type { Attachment } from '../../contracts/homework.ts';

export interface Classified {
  kind: Attachment['kind'];
  contentType: string;
}

const ascii = (b: Buffer, at: number, s: string) => b.subarray(at, at + s.length).toString('latin1') === s;

export function classifyAttachment(b: Buffer): Classified | undefined {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: 'image', contentType: 'image/jpeg' };
  if (ascii(b, 0, '\x89PNG\r\n\x1a\n')) return { kind: 'image', contentType: 'image/png' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { kind: 'image', contentType: 'image/webp' };
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return { kind: 'image', contentType: 'image/gif' };
  if (ascii(b, 0, '%PDF-')) return { kind: 'pdf', contentType: 'application/pdf' };
  // Office Open XML (a ZIP whose first entry is [Content_Types].xml; the part names say which).
  if (ascii(b, 0, 'PK\x03\x04') && b.includes('[Content_Types].xml')) {
    const head = b.toString('latin1');
    if (head.includes('word/'))
      return {
        kind: 'document',
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      };
    if (head.includes('xl/'))
      return {
        kind: 'document',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      };
    if (head.includes('ppt/'))
      return {
        kind: 'document',
        contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      };
  }
  // Older Office files (OLE compound documents: .doc, .xls, .ppt).
  if (b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))
    return { kind: 'document', contentType: 'application/octet-stream' };
  // EBML with the "webm" doctype (MediaRecorder's audio/webm).
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 && b.subarray(0, 64).includes('webm'))
    return { kind: 'audio', contentType: 'audio/webm' };
  if (ascii(b, 0, 'OggS')) return { kind: 'audio', contentType: 'audio/ogg' };
  if (ascii(b, 4, 'ftyp')) return { kind: 'audio', contentType: 'audio/mp4' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return { kind: 'audio', contentType: 'audio/wav' };
  if (ascii(b, 0, 'ID3') || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0))
    return { kind: 'audio', contentType: 'audio/mpeg' };
  return undefined;
}

/** The largest file of each kind (a resized photo is ~0.3–1.5 MB; ten minutes of Opus voice ~5 MB). */
export const MAX_ATTACHMENT_BYTES: Record<Attachment['kind'], number> = {
  image: 15 * 1024 * 1024,
  audio: 15 * 1024 * 1024,
  pdf: 20 * 1024 * 1024,
  document: 20 * 1024 * 1024,
};
/** Bytes read from the start of a file to classify it (Office parts are named within the first few KB). */
export const CLASSIFY_BYTES = 16 * 1024;
export const MAX_HOMEWORK_UPLOAD_BYTES = Math.max(...Object.values(MAX_ATTACHMENT_BYTES));

export const ACCEPTED_DESCRIPTION =
  'a photo (JPEG, PNG, WebP, GIF), a recording (WebM, Ogg, MP4/M4A, WAV, MP3), a PDF or an Office document (Word, Excel, PowerPoint)';
