/**
 * What an upload is, decided from its first bytes (never from its name): one
 * of the video containers Skyclass accepts, with the ffmpeg demuxer to open it
 * with, or a still image, or audio, or something else. ffprobe and ffmpeg are
 * then run with that demuxer forced and only the `file` protocol allowed, so an
 * uploaded playlist, concat list or SDP can never make them open other files
 * or the network.
 */
import fs from 'node:fs/promises';

/** The demuxers of the accepted containers (ffmpeg -f names). */
export const ACCEPTED_DEMUXERS = ['mov', 'matroska', 'avi', 'flv', 'mpegts', 'mpeg', 'asf', 'ogg'] as const;
export type Demuxer = (typeof ACCEPTED_DEMUXERS)[number];

export type Sniffed =
  { kind: 'video-container'; demuxer: Demuxer } | { kind: 'image' } | { kind: 'audio' } | { kind: 'unknown' };

const ascii = (b: Buffer, at: number, s: string) => b.subarray(at, at + s.length).toString('latin1') === s;
const bytes = (b: Buffer, at: number, xs: number[]) => xs.every((x, i) => b[at + i] === x);

export function sniffBytes(b: Buffer): Sniffed {
  if (ascii(b, 4, 'ftyp')) {
    const brand = b.subarray(8, 12).toString('latin1');
    if (/^M4[ABP] $/.test(brand)) return { kind: 'audio' };
    if (/^(heic|heix|hevc|mif1|msf1|avif|avis)$/.test(brand)) return { kind: 'image' };
    return { kind: 'video-container', demuxer: 'mov' };
  }
  // QuickTime files without ftyp start with a moov/mdat/wide/free atom.
  if (/^(moov|mdat|wide|free|skip|pnot)$/.test(b.subarray(4, 8).toString('latin1')))
    return { kind: 'video-container', demuxer: 'mov' };
  if (bytes(b, 0, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'video-container', demuxer: 'matroska' };
  if (ascii(b, 0, 'RIFF')) {
    if (ascii(b, 8, 'AVI ')) return { kind: 'video-container', demuxer: 'avi' };
    if (ascii(b, 8, 'WAVE')) return { kind: 'audio' };
    if (ascii(b, 8, 'WEBP')) return { kind: 'image' };
    return { kind: 'unknown' };
  }
  if (ascii(b, 0, 'FLV')) return { kind: 'video-container', demuxer: 'flv' };
  if ((b[0] === 0x47 && b[188] === 0x47) || (b[4] === 0x47 && b[196] === 0x47))
    return { kind: 'video-container', demuxer: 'mpegts' };
  if (bytes(b, 0, [0x00, 0x00, 0x01, 0xba])) return { kind: 'video-container', demuxer: 'mpeg' };
  if (bytes(b, 0, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]))
    return { kind: 'video-container', demuxer: 'asf' };
  if (ascii(b, 0, 'OggS')) return { kind: 'video-container', demuxer: 'ogg' };
  // Still images.
  if (bytes(b, 0, [0x89, 0x50, 0x4e, 0x47]) || bytes(b, 0, [0xff, 0xd8, 0xff]) || ascii(b, 0, 'GIF8'))
    return { kind: 'image' };
  if (ascii(b, 0, 'BM') || ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*') || ascii(b, 0, '8BPS'))
    return { kind: 'image' };
  // Audio only.
  if (ascii(b, 0, 'ID3') || ascii(b, 0, 'fLaC') || ascii(b, 0, '#!AMR') || ascii(b, 0, 'FORM'))
    return { kind: 'audio' };
  if (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) return { kind: 'audio' }; // MPEG audio / ADTS frame sync
  return { kind: 'unknown' };
}

export async function sniffFile(file: string): Promise<Sniffed> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return sniffBytes(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** ffmpeg/ffprobe input options: the sniffed demuxer forced, only local files readable. */
export function safeInputArgs(demuxer: Demuxer | undefined): string[] {
  return demuxer ? ['-protocol_whitelist', 'file', '-f', demuxer] : ['-protocol_whitelist', 'file'];
}

/** A tool's error line without the server's paths (the user sees "the video", the logs keep the rest). */
export function scrubPaths(text: string, ...paths: string[]): string {
  let out = text;
  for (const p of paths) if (p) out = out.split(p).join('the video');
  return out.replace(/(?:\/[\w.@%+-]+){2,}\/?/g, '…').replace(/[A-Za-z]:\\[^\s:]+/g, '…');
}
