import { scrubPaths } from './sniff.ts';

/** Why an upload cannot become a lesson: stable codes the API and the web page show. */
export type MediaErrorCode =
  | 'MEDIA_EMPTY'
  | 'MEDIA_NOT_MEDIA'
  | 'MEDIA_NO_VIDEO'
  | 'MEDIA_CORRUPT'
  | 'MEDIA_TOO_LONG'
  | 'TRANSCODE_FAILED'
  | 'TRANSCODE_CANCELLED';

export const MEDIA_ERROR_MESSAGES: Record<MediaErrorCode, string> = {
  MEDIA_EMPTY: 'The uploaded file is empty (0 bytes). Choose the video file again and re-upload it.',
  MEDIA_NOT_MEDIA:
    'This file is not a video Skyclass can read. Upload an MP4, MOV, MKV, WebM, AVI, FLV, MPEG-TS, MPEG or WMV video.',
  MEDIA_NO_VIDEO:
    'This file has no video picture (audio only or a still image). Upload a video of the lesson.',
  MEDIA_CORRUPT:
    'This video is truncated or damaged and cannot be played to the end. Export or copy it again, then re-upload.',
  MEDIA_TOO_LONG:
    'This video is longer than the allowed lesson length. Trim it or split it into several lessons.',
  TRANSCODE_FAILED:
    'Converting the video failed. Press "retry" to process it again; if it keeps failing, re-export the video and upload it again.',
  TRANSCODE_CANCELLED: 'Processing was cancelled. Press "retry" to process the video again.',
};

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** A problem with the file itself: retrying cannot help. */
  readonly permanent: boolean;
  /** What the tool said, for the logs (may name server paths; never shown to users). */
  readonly detail?: string;
  /**
   * The message users see: what was wrong and what to do, with the detail only
   * where it describes the file (never a server path or a tool's internals).
   */
  constructor(code: MediaErrorCode, detail?: string) {
    const shown = detail && code !== 'TRANSCODE_FAILED' ? scrubPaths(detail) : undefined;
    super(shown ? `${MEDIA_ERROR_MESSAGES[code]} (${shown})` : MEDIA_ERROR_MESSAGES[code]);
    this.name = 'MediaError';
    this.code = code;
    this.permanent = code !== 'TRANSCODE_FAILED';
    if (detail !== undefined) this.detail = detail;
  }
}
