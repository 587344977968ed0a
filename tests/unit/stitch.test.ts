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

describe('stitching a live lesson and choosing slates', () => {
  const liveSeg = (at: number, i: number, run = 0) => ({
    uri: `/live/x/r${run}_${i}.m4s`,
    duration: 2,
    at,
    mapUri: `/live/x/init_r${run}.mp4`,
  });
  const liveProg = (segs: ReturnType<typeof liveSeg>[]): Programme => ({
    start: S(20),
    end: S(60),
    live: true,
    segments: segs,
  });

  it('places live segments at their times, continuing the sequence, with a seam on each encoder run', () => {
    const segs = [0, 1, 2, 3].map((i) => liveSeg(S(20 + i * 2), i));
    const restart = [0, 1].map((i) => liveSeg(S(28.3 + i * 2), i, 1)); // ffmpeg restarted after 0.3 s
    const placed = layout(E, S(33), [liveProg([...segs, ...restart])], slate, 10_000);
    const live = placed.filter((p) => p.uri.startsWith('/live/'));
    expect(live.map((p) => p.uri)).toEqual([...segs, ...restart].map((s) => s.uri));
    expect(live[0]!.start).toBe(S(20));
    expect(live[0]!.discontinuity).toBe(true);
    expect(live[4]!.discontinuity).toBe(true); // new run, new init segment
    expect(live[4]!.mapUri).toBe('/live/x/init_r1.mp4');
    expect(live.filter((p) => p.discontinuity)).toHaveLength(2);
  });

  it('waits for a late live source, then falls back to the slate once the gap is older than the grace time', () => {
    const segs = [0, 1].map((i) => liveSeg(S(20 + i * 2), i)); // the source died at 24 s
    // At 26 s nothing is decided yet after 24 s: a segment of 24–26 s may still arrive.
    expect(layout(E, S(26), [liveProg(segs)], slate, 10_000).at(-1)!.uri).toBe('/live/x/r0_1.m4s');
    // At 34 s the gap at 24 s is older than 10 s: the slate covers it (备份方案).
    const later = layout(E, S(34), [liveProg(segs)], slate, 10_000);
    const after = later.filter((p) => p.start >= S(24));
    expect(after[0]!.uri).toMatch(/^\/slate\//);
    expect(after[0]!.discontinuity).toBe(true);
    // Evaluated later, the same moments are laid out the same way (every instance agrees).
    const evenLater = layout(E, S(40), [liveProg(segs)], slate, 10_000);
    expect(evenLater.slice(0, later.length)).toEqual(later);
  });

  it('returns from the slate to the live source when it comes back', () => {
    const segs = [liveSeg(S(20), 0), liveSeg(S(22), 1), liveSeg(S(40), 0, 1), liveSeg(S(42), 1, 1)];
    const placed = layout(E, S(50), [liveProg(segs)], slate, 10_000);
    const back = placed.find((p) => p.uri === '/live/x/r1_0.m4s')!;
    expect(back.start).toBe(S(40));
    expect(back.discontinuity).toBe(true);
    expect(
      placed.filter((p) => p.start >= S(24) && p.start < S(40)).every((p) => p.uri.startsWith('/slate/')),
    ).toBe(true);
  });

  describe('with a backup lesson (备份方案)', () => {
    const backup = {
      mapUri: '/les/bk/480p/init.mp4',
      segments: Array.from({ length: 10 }, (_, i) => ({ uri: `/les/bk/480p/seg_${i}.m4s`, duration: 4 })),
      afterMs: 8000,
    };
    const withBackup = (segs: ReturnType<typeof liveSeg>[]): Programme => ({ ...liveProg(segs), backup });

    it('plays the backup from its start when the live lesson has not started after the threshold', () => {
      const placed = layout(E, S(60), [withBackup([])], slate, 10_000);
      const inSlot = placed.filter((p) => p.start >= S(20) && p.start < S(60));
      // The slate while the teacher may still come (8 s), then the backup from its first segment.
      expect(inSlot.filter((p) => p.start < S(28)).every((p) => p.uri.startsWith('/slate/'))).toBe(true);
      const first = inSlot.find((p) => p.uri.startsWith('/les/bk/'))!;
      expect(first.uri).toBe('/les/bk/480p/seg_0.m4s');
      expect(first.start).toBe(S(28));
      expect(first.discontinuity).toBe(true);
      expect(first.mapUri).toBe('/les/bk/480p/init.mp4');
      // Only up to the grace horizon (a live segment of a later time could still arrive).
      expect(Math.max(...placed.map((p) => p.start))).toBeLessThanOrEqual(S(50));
    });

    it('hands the channel back to the live lesson at its next segment, and continues the backup in a later gap', () => {
      const segs = [
        liveSeg(S(20), 0),
        liveSeg(S(22), 1), // media stops at 24 s
        liveSeg(S(40), 0, 1), // the teacher is back at 40 s
        liveSeg(S(42), 1, 1),
      ];
      const placed = layout(E, S(80), [withBackup(segs)], slate, 10_000);
      const at = (uri: string) => placed.find((p) => p.uri === uri)!;
      expect(at('/les/bk/480p/seg_0.m4s').start).toBe(S(32)); // 24 s + 8 s
      expect(at('/live/x/r1_0.m4s').start).toBe(S(40)); // back at once
      expect(at('/live/x/r1_0.m4s').discontinuity).toBe(true);
      // The backup segment playing at 40 s is cut there.
      const cut = placed.filter((p) => p.uri.startsWith('/les/bk/') && p.start < S(40)).at(-1)!;
      expect(cut.start + cut.duration * 1000).toBe(S(40));
      // The second gap (from 44 s) resumes the backup where it stopped, after the threshold again.
      const second = placed.filter((p) => p.uri.startsWith('/les/bk/') && p.start > S(40));
      expect(second[0]!.start).toBe(S(52));
      expect(second[0]!.uri).toBe('/les/bk/480p/seg_2.m4s');
      // Every instance lays it out alike, whenever it asks.
      expect(layout(E, S(90), [withBackup(segs)], slate, 10_000).slice(0, placed.length)).toEqual(placed);
    });

    it('without a backup the slate stays as before', () => {
      const placed = layout(E, S(60), [liveProg([])], slate, 10_000);
      expect(placed.every((p) => p.uri.startsWith('/slate/'))).toBe(true);
    });
  });

  it('asks the slate chooser for each pass with the programme that comes next', () => {
    const asked: (string | undefined)[] = [];
    const chooser = (_at: number, next: Programme | undefined) => {
      asked.push(next?.id);
      return slate;
    };
    layout(E, S(100), [{ ...lesson('a', S(20), 20), id: 'a' }], chooser);
    expect(asked.slice(0, 3)).toEqual(['a', 'a', 'a']); // 0–20 s: before a
    expect(asked.at(-1)).toBeUndefined(); // after the last programme
  });
});
