/**
 * Live HLS from the teacher's RTP (forwarded by the SFU): the SDP that
 * describes it and ffmpeg's arguments. The top rung copies the teacher's
 * H.264; lower rungs down to ~145 kbps and an audio-only rendition are
 * encoded; every rendition is cut into ~2 s MPEG-TS segments by ffmpeg's
 * segment muxer, which lists each finished segment in a CSV file that
 * Skyclass reads to write the playlists itself.
 */

import { audioEncodeArgs, keyframeArgs } from '../../recordings/ffmpeg/args.ts';

export const LIVE_SEGMENT_SECONDS = 2;
export const AUDIO_PT = 111;
export const VIDEO_PT = 96;

export interface LiveRendition {
  name: string;
  /** undefined = copy the teacher's video. */
  height?: number;
  videoKbps?: number;
  audioKbps: number;
  /** Declared in the master playlist. */
  codecs: string;
  bandwidth: number;
  audioOnly?: boolean;
}

export const LIVE_RENDITIONS: LiveRendition[] = [
  { name: 'source', audioKbps: 96, codecs: 'avc1.42e01f,mp4a.40.2', bandwidth: 2_700_000 },
  {
    name: '360p',
    height: 360,
    videoKbps: 600,
    audioKbps: 64,
    codecs: 'avc1.42c01e,mp4a.40.2',
    bandwidth: 760_000,
  },
  {
    name: '144p',
    height: 144,
    videoKbps: 80,
    audioKbps: 64,
    codecs: 'avc1.42c00c,mp4a.40.2',
    bandwidth: 165_000,
  },
  { name: 'audio', audioKbps: 64, codecs: 'mp4a.40.2', bandwidth: 75_000, audioOnly: true },
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

function segmentOutput(dir: string, r: LiveRendition, run: number): string[] {
  return [
    '-f',
    'segment',
    '-segment_time',
    String(LIVE_SEGMENT_SECONDS),
    '-segment_format',
    'mpegts',
    '-segment_list',
    `${dir}/${r.name}.r${run}.csv`,
    '-segment_list_type',
    'csv',
    '-segment_list_flags',
    'live',
    '-reset_timestamps',
    '0',
    `${dir}/${r.name}/r${run}_%05d.ts`,
  ];
}

/** One ffmpeg for the whole ladder: decode once for the encoded rungs, copy the top one. */
export function liveLadderArgs(
  sdpPath: string,
  dir: string,
  run: number,
  renditions = LIVE_RENDITIONS,
  fps = 25,
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
      args.push('-map', '0:v:0', '-map', '0:a:0', '-c:v', 'copy', ...audioEncodeArgs(r.audioKbps));
    } else {
      args.push(
        '-map',
        '0:v:0',
        '-map',
        '0:a:0',
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
        ...audioEncodeArgs(r.audioKbps),
      );
    }
    args.push(...segmentOutput(dir, r, run));
  }
  return args;
}
