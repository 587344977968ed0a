import { describe, expect, it } from 'vitest';
import { AUDIO_PT, LIVE_RENDITIONS, liveLadderArgs, liveSdp, VIDEO_PT } from '../../media/live/liveArgs.ts';
import { buildLiveMaster, buildLivePlaylist } from '../../media/live/livePlaylist.ts';

const after = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

describe('live ffmpeg arguments', () => {
  const args = liveLadderArgs('/w/live.sdp', '/w', 3);
  it('copies the teacher’s H.264 for the top rung and encodes the rest with aligned 2 s keyframes', () => {
    expect(after(args, '-c:v')).toEqual(['copy', 'libx264', 'libx264']);
    expect(after(args, '-force_key_frames')).toEqual(['expr:gte(t,n_forced*2)', 'expr:gte(t,n_forced*2)']);
    expect(after(args, '-r')).toEqual(['25', '25']); // RTP input needs an explicit output rate
    expect(after(args, '-hls_time')).toEqual(['2', '2', '2', '2']);
    expect(after(args, '-hls_segment_type')).toEqual(['fmp4', 'fmp4', 'fmp4', 'fmp4']);
    // Video renditions carry no audio: audio is its own rendition, as in the recorded lessons' ladder.
    expect(args.filter((a) => a === '-an')).toHaveLength(3);
    expect(after(args, '-c:a')).toEqual(['aac']);
  });
  it('names each run’s init segment, segments and playlist apart, so a restart never overwrites', () => {
    expect(after(args, '-hls_fmp4_init_filename')).toEqual([
      'init_r3.mp4',
      'init_r3.mp4',
      'init_r3.mp4',
      'init_r3.mp4',
    ]);
    expect(args).toContain('/w/144p/r3_%05d.m4s');
    expect(args).toContain('/w/audio/r3.m3u8');
    expect(args).not.toContain('-nostdin'); // "q" on stdin stops it gracefully
  });
  it('describes the forwarded RTP in an SDP with fixed payload types', () => {
    const sdp = liveSdp('127.0.0.1', 5000, 5002);
    expect(sdp).toContain(`m=audio 5000 RTP/AVP ${AUDIO_PT}`);
    expect(sdp).toContain(`m=video 5002 RTP/AVP ${VIDEO_PT}`);
    expect(sdp).toContain('packetization-mode=1');
  });
});

describe('live playlists', () => {
  const t = new Date('2026-11-22T08:00:00.000Z');
  const seg = (i: number, disc = false) => ({
    uri: `r${disc ? 1 : 0}_${i}.m4s`,
    duration: 2.002,
    programDateTime: new Date(t.getTime() + i * 2002),
    discontinuity: disc,
    mapUri: `init_r${disc ? 1 : 0}.mp4`,
  });
  it('is an EVENT playlist with date-times, a discontinuity at a restart, and ENDLIST at the end', () => {
    const live = buildLivePlaylist([seg(0), seg(1), seg(2, true)], false);
    expect(live).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(live).toContain('#EXT-X-TARGETDURATION:2');
    expect(live).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0');
    expect(live.indexOf('#EXT-X-MAP:URI="init_r0.mp4"')).toBeLessThan(live.indexOf('r0_0.m4s'));
    expect(live.match(/#EXT-X-PROGRAM-DATE-TIME:/g)).toHaveLength(3);
    expect(live).toContain(
      '#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="init_r1.mp4"\n#EXT-X-PROGRAM-DATE-TIME:2026-11-22T08:00:04.004Z\n#EXTINF:2.002,\nr1_2.m4s',
    );
    expect(live).not.toContain('#EXT-X-ENDLIST');
    expect(
      buildLivePlaylist([seg(0)], true)
        .trim()
        .endsWith('#EXT-X-ENDLIST'),
    ).toBe(true);
  });
  it('raises the target duration when a segment runs long (late keyframe)', () => {
    expect(buildLivePlaylist([{ ...seg(0), duration: 4.6 }], false)).toContain('#EXT-X-TARGETDURATION:5');
  });
  it('declares every video rendition with the audio group, and audio only', () => {
    const m = buildLiveMaster(LIVE_RENDITIONS);
    expect(m).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud"');
    expect(m).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=2670000,CODECS="avc1.42e01f,mp4a.40.2",AUDIO="aud"\nsource/index.m3u8',
    );
    expect(m).toContain('RESOLUTION=256x144');
    expect(m).toContain('#EXT-X-STREAM-INF:BANDWIDTH=70000,CODECS="mp4a.40.2"\naudio/index.m3u8');
  });
});
