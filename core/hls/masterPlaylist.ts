/**
 * The master (multivariant) playlist, written by Skyclass from what was
 * measured in the renditions, following RFC 8216 §4.3.4 and Apple's HLS
 * authoring specification: BANDWIDTH is the peak (video + audio),
 * AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE on every video
 * variant, audio as an EXT-X-MEDIA group, and an audio-only variant.
 */

export interface VideoVariant {
  name: string;
  uri: string;
  width: number;
  height: number;
  fps: number;
  codecs: string;
  peak: number;
  average: number;
}

export interface AudioRendition {
  uri: string;
  codecs: string;
  channels: number;
  peak: number;
  average: number;
  name: string;
  language?: string;
}

export const AUDIO_GROUP = 'aud';

export function buildMasterPlaylist(videos: VideoVariant[], audio?: AudioRendition): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', ''];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${AUDIO_GROUP}",NAME="${audio.name}",${audio.language ? `LANGUAGE="${audio.language}",` : ''}DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.uri}"`,
      '',
    );
  }
  // Players start with the first variant: put the one nearest 1.2 Mbit/s first (quick start on most networks), then the rest from high to low.
  const byBandwidth = [...videos].sort((a, b) => b.peak - a.peak);
  const start = [...byBandwidth].sort(
    (a, b) => Math.abs(a.peak - 1_200_000) - Math.abs(b.peak - 1_200_000),
  )[0];
  const ordered = start ? [start, ...byBandwidth.filter((v) => v !== start)] : [];
  for (const v of ordered) {
    const peak = v.peak + (audio?.peak ?? 0);
    const avg = v.average + (audio?.average ?? 0);
    const codecs = audio ? `${v.codecs},${audio.codecs}` : v.codecs;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${avg},CODECS="${codecs}",RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.fps.toFixed(3)}${audio ? `,AUDIO="${AUDIO_GROUP}"` : ''}`,
      v.uri,
    );
  }
  if (audio) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${audio.peak},AVERAGE-BANDWIDTH=${audio.average},CODECS="${audio.codecs}"`,
      audio.uri,
    );
  }
  return lines.join('\n') + '\n';
}
