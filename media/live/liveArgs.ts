/**
 * Live HLS from the teacher's RTP (forwarded by the SFU): the SDP that
 * describes it and ffmpeg's arguments. The top rung copies the teacher's
 * H.264; lower rungs down to ~145 kbps are encoded; audio is its own
 * rendition (like the recorded lessons' ladder, so a live lesson can take
 * over a grade channel segment for segment). Every rendition is cut into
 * ~2 s fMP4 segments by ffmpeg's HLS muxer; Skyclass reads ffmpeg's own
 * playlist of each run to learn the finished segments and writes the
 * published playlists itself.
 */

import { audioEncodeArgs, keyframeArgs } from '../../core/ffmpeg/args.ts';

export const LIVE_SEGMENT_SECONDS = 2;
/** Segments in ffmpeg's own (working) playlist: 40 s, far more than the poller's 250 ms needs. */
export const LIVE_FFMPEG_LIST_SIZE = 20;
export const AUDIO_PT = 111;
export const VIDEO_PT = 96;

export interface LiveRendition {
  name: string;
  /** undefined = copy the teacher's video. */
  height?: number;
  videoKbps?: number;
  /** The audio rendition's bitrate. */
  audioKbps?: number;
  /** Declared in the master playlist (video renditions: the video codec; audio joins through the audio group). */
  codecs: string;
  bandwidth: number;
  audioOnly?: boolean;
}

export const LIVE_RENDITIONS: LiveRendition[] = [
  { name: 'source', codecs: 'avc1.42e01f', bandwidth: 2_600_000 },
  { name: '360p', height: 360, videoKbps: 600, codecs: 'avc1.42c01e', bandwidth: 700_000 },
  { name: '144p', height: 144, videoKbps: 80, codecs: 'avc1.42c00c', bandwidth: 95_000 },
  { name: 'audio', audioKbps: 64, codecs: 'mp4a.40.2', bandwidth: 70_000, audioOnly: true },
];

export function liveSdp(host: string, audioPort: number, videoPort: number): string {
  return [
    'v=0',
    `o=- 0 0 IN IP4 ${host}`,
    's=Skyclass live lesson',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${audioPort} RTP/AVP ${AUDIO_PT}`,
    `a=rtpmap:${AUDIO_PT} opus/48000/2`,
    `m=video ${videoPort} RTP/AVP ${VIDEO_PT}`,
    `a=rtpmap:${VIDEO_PT} H264/90000`,
    `a=fmtp:${VIDEO_PT} packetization-mode=1;profile-level-id=42e01f`,
    '',
  ].join('\n');
}

/** fMP4 HLS of one rendition and one ffmpeg run: its own init segment and names, so a restart never overwrites. */
function fmp4Output(dir: string, r: LiveRendition, run: number, listSize: number): string[] {
  return [
    '-f',
    'hls',
    '-hls_time',
    String(LIVE_SEGMENT_SECONDS),
    // A sliding list: ffmpeg keeps every listed segment's record (~9 KB each) in memory, so an unbounded
    // list grew the encoder by ~1.5 MB a minute. Skyclass reads the list every 250 ms and follows
    // EXT-X-MEDIA-SEQUENCE; segments stay on disk until it has stored them.
    '-hls_list_size',
    String(listSize),
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments+temp_file',
    '-hls_fmp4_init_filename',
    `init_r${run}.mp4`,
    '-hls_segment_filename',
    `${dir}/${r.name}/r${run}_%05d.m4s`,
    `${dir}/${r.name}/r${run}.m3u8`,
  ];
}

/** One ffmpeg for the whole ladder: decode once for the encoded rungs, copy the top one. */
export function liveLadderArgs(
  sdpPath: string,
  dir: string,
  run: number,
  renditions = LIVE_RENDITIONS,
  fps = 25,
  listSize = LIVE_FFMPEG_LIST_SIZE,
): string[] {
  const args = [
    '-hide_banner',
    // No -nostdin: stdin is the pipe ManagedProcess writes "q" to for a graceful stop (last segments kept).
    '-loglevel',
    'warning',
    '-protocol_whitelist',
    'file,udp,rtp',
    '-fflags',
    '+genpts',
    '-analyzeduration',
    '6000000',
    '-probesize',
    '20000000',
    '-i',
    sdpPath,
  ];
  for (const r of renditions) {
    if (r.audioOnly) {
      args.push('-map', '0:a:0', '-vn', ...audioEncodeArgs(r.audioKbps));
    } else if (r.height === undefined) {
      args.push('-map', '0:v:0', '-an', '-c:v', 'copy');
    } else {
      args.push(
        '-map',
        '0:v:0',
        '-an',
        // RTP input probes as 90k tbr: the output frame rate must be set, or ffmpeg duplicates frames wildly.
        '-vf',
        `scale=-2:${r.height},fps=${fps}`,
        '-r',
        String(fps),
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-tune',
        'zerolatency',
        '-profile:v',
        'baseline',
        '-b:v',
        `${r.videoKbps}k`,
        '-maxrate',
        `${Math.round(r.videoKbps! * 1.1)}k`,
        '-bufsize',
        `${Math.round(r.videoKbps! * 1.5)}k`,
        ...keyframeArgs(fps * LIVE_SEGMENT_SECONDS, LIVE_SEGMENT_SECONDS),
      );
    }
    args.push(...fmp4Output(dir, r, run, listSize));
  }
  return args;
}
