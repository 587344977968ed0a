/**
 * Live media playlists written by Skyclass (RFC 8216): an EVENT playlist
 * that keeps every segment (so the live recording is the replay),
 * EXT-X-PROGRAM-DATE-TIME on every segment, EXT-X-DISCONTINUITY where a
 * restarted ffmpeg continues, and EXT-X-ENDLIST when the lesson ends.
 */

export interface LiveSegment {
  uri: string;
  duration: number;
  /** Wall-clock time of the segment's first frame. */
  programDateTime: Date;
  /** The first segment after an encoder restart. */
  discontinuity: boolean;
}

export function buildLivePlaylist(segments: LiveSegment[], ended: boolean): string {
  const target = Math.max(2, ...segments.map((s) => Math.round(s.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}`,
      `#EXTINF:${s.duration.toFixed(3)},`,
      s.uri,
    );
  }
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

export function buildLiveMaster(
  renditions: { name: string; codecs: string; bandwidth: number; height?: number; audioOnly?: boolean }[],
): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of renditions) {
    const res = r.height ? `,RESOLUTION=${Math.round((r.height * 16) / 9 / 2) * 2}x${r.height}` : '';
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},CODECS="${r.codecs}"${res}`,
      `${r.name}/index.m3u8`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Parses the segment muxer's CSV list lines: "name,start,end". */
export function parseSegmentCsv(text: string): { name: string; start: number; end: number }[] {
  // Only whole lines: ffmpeg may be writing the last one right now.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [name, start, end] = l.split(',');
      return { name: name!, start: Number(start), end: Number(end) };
    })
    .filter((r) => r.name && Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start);
}
