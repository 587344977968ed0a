import { describe, expect, it } from 'vitest';
import { CHANNEL_RUNGS, SLATE_SECONDS, slateArgs, slateId } from '../../media/channel/slate.ts';
import { avcCodecOf as avcCodec, nominalSlate } from '../../server/channels/SlateService.ts';
import { channelLadder } from '../../server/channels/channelLadder.ts';
import { buildMasterPlaylist } from '../../core/hls/masterPlaylist.ts';
import { slateDesignFor } from '../../server/channels/slateDesigns.ts';
import type { Slot } from '../../server/timetable/model.ts';

describe('slates', () => {
  const args = slateArgs({
    outDir: '/w',
    titleFile: '/w/t.txt',
    subtitleFile: '/w/s.txt',
    footerFile: '/w/f.txt',
    fontFile: '/fonts/Noto:CJK.ttc',
  });
  it('renders one loop once for every rung of the channel ladder and silent audio of exactly the loop length', () => {
    expect(CHANNEL_RUNGS.map((r) => r.name)).toEqual(['1080p', '720p', '480p', '360p', '144p']);
    for (const r of CHANNEL_RUNGS) expect(args).toContain(`/w/${r.name}/index.m3u8`);
    expect(args).toContain('/w/audio/index.m3u8');
    expect(args[args.indexOf('-frames:a') + 1]).toBe(String((SLATE_SECONDS * 48000) / 1024));
    expect(args.filter((a) => a === 'libx264')).toHaveLength(CHANNEL_RUNGS.length);
    // Text comes from files and the font path is escaped for the filter graph.
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain("fontfile='/fonts/Noto\\:CJK.ttc'");
    expect(graph).toContain("textfile='/w/t.txt'");
  });

  it('names designs by content, so equal designs are rendered once', () => {
    const d = { title: '下一节：数学 10:00', subtitle: 'Next', footer: 'f' };
    expect(slateId(d)).toBe(slateId({ ...d }));
    expect(slateId(d)).not.toBe(slateId({ ...d, title: '下一节：语文 10:00' }));
    expect(slateId(d)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('shares designs between grades: the slate names the subject and time, not the grade', () => {
    const slot = (grade: number): Slot => ({
      id: 'x',
      grade,
      date: '2026-11-23',
      start: '10:00',
      end: '10:20',
      subject: '数学',
      source: { kind: 'live' },
    });
    expect(slateDesignFor(slot(3))).toEqual(slateDesignFor(slot(4)));
    expect(slateDesignFor(slot(3)).title).toBe('下一节：数学 10:00');
    // The break before a lesson asks the children to rest their eyes (护眼).
    expect(slateDesignFor(slot(3)).subtitle).toBe('课间休息：看看远处，做做眼保健操');
    expect(slateDesignFor(undefined).title).toContain('今天的课程已结束');
  });

  it('a lesson’s own slates carry its TV check-in code (before it, and during a live lesson’s gap)', () => {
    const slot: Slot = {
      id: 'x',
      grade: 3,
      date: '2026-11-23',
      start: '10:00',
      end: '10:20',
      subject: '数学',
      source: { kind: 'live' },
    };
    const before = slateDesignFor(slot, false, '4821');
    expect(before.title).toBe(slateDesignFor(slot).title);
    expect(before.footer).toContain('电视签到码 4821');
    expect(slateDesignFor(slot, true, '4821').footer).toContain('4821');
    expect(slateId(before)).not.toBe(slateId(slateDesignFor(slot, false, '4822')));
    expect(slateDesignFor(slot).footer).not.toContain('签到码');
    expect(slateDesignFor(undefined, false, '4821').footer).not.toContain('签到码');
  });
});

describe('channel master playlist', () => {
  it('with nothing scheduled (slates only): the VOD ladder with codecs, resolutions and the audio group, and audio only', () => {
    expect(avcCodec('high', '4.0')).toBe('avc1.640028');
    expect(avcCodec('main', '3.0')).toBe('avc1.4d401e');
    expect(avcCodec('baseline', '3.0')).toBe('avc1.42c01e');
    const { videos, audio } = channelLadder({ rungs: CHANNEL_RUNGS, lessons: [], slate: nominalSlate() });
    const m = buildMasterPlaylist(videos, audio);
    expect(m).toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    expect(m.match(/#EXT-X-STREAM-INF/g)).toHaveLength(6);
    expect(m).toContain('RESOLUTION=1920x1080');
    expect(m).toContain('CODECS="avc1.640028,mp4a.40.2"');
    expect(m).toMatch(/AUDIO="aud"/);
  });
});
