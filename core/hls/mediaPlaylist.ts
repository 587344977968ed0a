/**
 * Reading HLS media playlists (RFC 8216 §4.3) for what Skyclass needs from
 * its own output: segment URIs and durations, EXT-X-MAP (also changing at a
 * discontinuity) and EXT-X-PROGRAM-DATE-TIME for stitching channels, and
 * peak/average bitrates from the segments' sizes for the master playlist. It reads
 * playlists that ffmpeg wrote for us; it deliberately does not handle
 * master playlists, encryption (EXT-X-KEY), byte ranges, low-latency parts
 * or arbitrary third-party playlists (players such as hls.js do that).
 */

export interface MediaSegment {
  uri: string;
  duration: number;
  /** The EXT-X-MAP in force for this segment (it may change at a discontinuity). */
  mapUri?: string;
  /** EXT-X-PROGRAM-DATE-TIME of this segment, ms since epoch. */
  programDateTime?: number;
}

export interface MediaPlaylistInfo {
  version?: number;
  targetDuration: number;
  /** EXT-X-MEDIA-SEQUENCE: the sequence number of the first segment listed (0 when absent, RFC 8216 §4.3.3.2). */
  mediaSequence: number;
  mapUri?: string;
  segments: MediaSegment[];
  endList: boolean;
}

export function parseMediaPlaylist(text: string): MediaPlaylistInfo {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist: first line must be #EXTM3U');
  const info: MediaPlaylistInfo = { targetDuration: 0, mediaSequence: 0, segments: [], endList: false };
  let pending: number | undefined;
  let pdt: number | undefined;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) info.targetDuration = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) info.mediaSequence = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-VERSION:')) info.version = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-MAP:')) info.mapUri = /URI="([^"]+)"/.exec(line)?.[1];
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
    else if (line.startsWith('#EXTINF:')) pending = Number(line.slice(8).split(',')[0]);
    else if (line === '#EXT-X-ENDLIST') info.endList = true;
    else if (!line.startsWith('#')) {
      if (pending === undefined) throw new Error(`segment ${line} has no #EXTINF`);
      info.segments.push({
        uri: line,
        duration: pending,
        ...(info.mapUri ? { mapUri: info.mapUri } : {}),
        ...(pdt !== undefined && Number.isFinite(pdt) ? { programDateTime: pdt } : {}),
      });
      pending = undefined;
      pdt = undefined;
    }
  }
  return info;
}

export interface Bitrates {
  /** Peak segment bitrate, bits/s (BANDWIDTH, RFC 8216 §4.3.4.2). */
  peak: number;
  /** Whole-rendition average, bits/s (AVERAGE-BANDWIDTH). */
  average: number;
  durationSec: number;
}

/** Peak and average bitrates from segment sizes and durations (the init segment counted once, with the first). */
export function measureBitrates(
  segments: MediaSegment[],
  sizeOf: (uri: string) => number,
  initSize = 0,
): Bitrates {
  let peak = 0;
  let bytes = initSize;
  let duration = 0;
  segments.forEach((s, i) => {
    const size = sizeOf(s.uri) + (i === 0 ? initSize : 0);
    bytes += sizeOf(s.uri);
    duration += s.duration;
    // A very short last segment would overstate the peak; Apple measures over whole target-length windows.
    if (s.duration >= 1) peak = Math.max(peak, (size * 8) / s.duration);
  });
  const average = duration > 0 ? (bytes * 8) / duration : 0;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average), durationSec: duration };
}
