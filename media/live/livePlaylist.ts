/**
 * Live media playlists written by Skyclass (RFC 8216): an EVENT playlist
 * that keeps every segment (so the live recording is the replay), fMP4 with
 * each ffmpeg run's own init segment (EXT-X-MAP), EXT-X-PROGRAM-DATE-TIME on
 * every segment, EXT-X-DISCONTINUITY where a restarted ffmpeg continues, and
 * EXT-X-ENDLIST when the lesson ends.
 */

export interface LiveSegment {
  uri: string;
  duration: number;
  /** Wall-clock time of the segment's first frame. */
  programDateTime: Date;
  /** The first segment after an encoder restart. */
  discontinuity: boolean;
  /** The init segment of the ffmpeg run that made it. */
  mapUri?: string;
}

/** A published segment as the shared state keeps it (JSON). */
export interface LiveSegmentRecord {
  uri: string;
  duration: number;
  /** PROGRAM-DATE-TIME, ms since the epoch. */
  pdt: number;
  disc: boolean;
  map?: string;
  /** The ffmpeg run that made it (unique across owners). */
  run: number;
}

/**
 * A live lesson's published segments, shared by every media node (Redis in
 * the service), with a fencing token: the node that takes the lesson over
 * gets a larger token and appends from older owners are refused.
 */
export interface LivePlaylistState {
  acquire(): Promise<number>;
  load(rendition: string): Promise<LiveSegmentRecord[]>;
  /** false: a newer owner holds the lesson; nothing was appended. */
  append(rendition: string, segment: LiveSegmentRecord, fence: number): Promise<boolean>;
}

export function buildLivePlaylist(segments: LiveSegment[], ended: boolean): string {
  const target = Math.max(2, ...segments.map((s) => Math.round(s.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let map: string | undefined;
  for (const s of segments) {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.mapUri && s.mapUri !== map) {
      lines.push(`#EXT-X-MAP:URI="${s.mapUri}"`);
      map = s.mapUri;
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}`,
      `#EXTINF:${s.duration.toFixed(3)},`,
      s.uri,
    );
  }
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/** Video renditions with the audio group (as the recorded lessons' master), and audio only. */
export function buildLiveMaster(
  renditions: { name: string; codecs: string; bandwidth: number; height?: number; audioOnly?: boolean }[],
): string {
  const audio = renditions.find((r) => r.audioOnly);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio)
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="中文",LANGUAGE="zh",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="${audio.name}/index.m3u8"`,
    );
  for (const r of renditions.filter((x) => !x.audioOnly)) {
    const res = r.height ? `,RESOLUTION=${Math.round((r.height * 16) / 9 / 2) * 2}x${r.height}` : '';
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth + (audio?.bandwidth ?? 0)},CODECS="${r.codecs}${audio ? `,${audio.codecs}` : ''}"${res}${audio ? ',AUDIO="aud"' : ''}`,
      `${r.name}/index.m3u8`,
    );
  }
  if (audio)
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${audio.bandwidth},CODECS="${audio.codecs}"`,
      `${audio.name}/index.m3u8`,
    );
  return lines.join('\n') + '\n';
}
