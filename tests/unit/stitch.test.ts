import { describe, expect, it } from 'vitest';
import { channelPlaylist, layout, type Programme, type Slate } from '../../media/channel/stitch.ts';

const E = Date.parse('2026-11-23T00:00:00Z'); // local midnight of the channel's day (epoch)
const S = (n: number) => E + n * 1000;
const slate: Slate = {
  mapUri: '/slate/480p/init.mp4',
  segments: [
    { uri: '/slate/480p/0.m4s', duration: 4 },
    { uri: '/slate/480p/1.m4s', duration: 4 },
  ],
};
const lesson = (id: string, start: number, secs: number, end = start + secs * 1000): Programme => ({
  start,
  end,
  mapUri: `/les/${id}/480p/init.mp4`,
  segments: Array.from({ length: Math.ceil(secs / 4) }, (_, i) => ({
    uri: `/les/${id}/480p/seg_${i}.m4s`,
    duration: Math.min(4, secs - i * 4),
  })),
});

describe('stitching', () => {
  const day = [lesson('a', S(20), 20), lesson('b', S(60), 12, S(80))];
  it('lays slate, lessons and slate again, with a discontinuity at every seam', () => {
    const placed = layout(E, S(100), day, slate);
    const kinds = placed.map((p) => p.uri.split('/')[1]);
    expect(kinds.join(' ')).toBe(
      'slate slate slate slate slate les les les les les slate slate slate slate slate les les les slate slate slate slate slate slate slate',
    );
    // Discontinuities exactly where a lesson starts or the slate loop begins again.
    for (const [i, p] of placed.entries()) {
      const seam = i > 0 && (p.uri.endsWith('seg_0.m4s') || p.uri === '/slate/480p/0.m4s');
      expect(p.discontinuity, `${i} ${p.uri}`).toBe(seam);
    }
    expect(placed.map((p) => p.sequence)).toEqual(placed.map((_, i) => i)); // continuous media sequence
    expect(placed.find((p) => p.uri.includes('/les/a/'))!.start).toBe(S(20)); // the lesson starts on time
    // A lesson shorter than its slot (b: 12 s in a 20 s slot) is followed by the slate.
    const b = placed.filter((p) => p.uri.includes('/les/b/'));
    expect(b.at(-1)!.start + b.at(-1)!.duration * 1000).toBe(S(72));
  });

  it('is the same playlist for the same moment, whoever computes it', () => {
    const a = channelPlaylist({ epoch: E, now: S(30), programmes: day, slate });
    const b = channelPlaylist({ epoch: E, now: S(30), programmes: [...day].reverse(), slate });
    expect(a).toBe(b);
  });

  it('joins mid-lesson at the current point, with date-times and the lesson’s init segment', () => {
    const pl = channelPlaylist({ epoch: E, now: S(30), programmes: day, slate });
    const uris = pl.split('\n').filter((l) => l.startsWith('/'));
    expect(uris.at(-1)).toBe('/les/a/480p/seg_2.m4s'); // 28–32 s: where the lesson is now
    expect(pl).toContain(
      '#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="/les/a/480p/init.mp4"\n#EXT-X-PROGRAM-DATE-TIME:2026-11-23T00:00:20.000Z',
    );
    expect(pl).not.toContain('#EXT-X-ENDLIST');
  });

  it('keeps media-sequence and discontinuity-sequence continuity as the window slides', () => {
    const seqOf = (pl: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(pl)![1]);
    const dseqOf = (pl: string) => Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(pl)![1]);
    let prev = channelPlaylist({ epoch: E, now: S(1), programmes: day, slate });
    for (let t = 2; t < 100; t++) {
      const cur = channelPlaylist({ epoch: E, now: S(t), programmes: day, slate });
      const prevSegs = prev.split('\n').filter((l) => l.startsWith('/'));
      const curSegs = cur.split('\n').filter((l) => l.startsWith('/'));
      const dropped = seqOf(cur) - seqOf(prev);
      expect(dropped).toBeGreaterThanOrEqual(0);
      // Every segment still listed keeps its sequence number and URI.
      expect(curSegs.slice(0, prevSegs.length - dropped)).toEqual(prevSegs.slice(dropped));
      // The discontinuity sequence grows by the tags that left the window.
      const leftTags =
        prev.split('#EXTINF').slice(0, dropped).join('').split('#EXT-X-DISCONTINUITY\n').length - 1;
      expect(dseqOf(cur) - dseqOf(prev)).toBe(leftTags);
      prev = cur;
    }
  });
});
