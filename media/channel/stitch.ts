/**
 * Channel playout by stitching: a grade channel's live playlist is derived
 * from the day's schedule and the clock alone, without re-encoding and
 * without per-process state, so every server instance serves the same
 * playlist for the same moment. The day is laid out from a fixed epoch
 * (local midnight): each programme contributes its lesson's existing
 * segments (cut at its end), gaps are filled by looping a slate; every
 * segment gets an absolute start time, a media sequence number counted
 * from the epoch, and a discontinuity at every seam (and at every pass of
 * the slate loop, whose segments repeat their timestamps). The playlist for a
 * moment is the window of segments that have started by then.
 */

export interface StitchSegment {
  uri: string;
  duration: number;
}

export interface Programme {
  /** ms since epoch. */
  start: number;
  end: number;
  /** The rendition's init segment (fMP4) and media segments. */
  mapUri?: string;
  segments: StitchSegment[];
}

export interface Slate {
  mapUri?: string;
  /** One loop of the slate; repeated to fill gaps. */
  segments: StitchSegment[];
}

export interface PlacedSegment extends StitchSegment {
  /** ms since epoch. */
  start: number;
  mapUri?: string;
  /** Media sequence number, counted from the epoch. */
  sequence: number;
  /** The first segment of a new piece (programme or slate run). */
  discontinuity: boolean;
  /** Discontinuities before this segment since the epoch. */
  discontinuitySequence: number;
}

/**
 * Lays out segments from `epoch` up to `until` (ms). Programmes must not
 * overlap (the rule engine guarantees it); a programme's segments stop at
 * its end; the slate fills every gap, cut at the next programme's start.
 */
export function layout(epoch: number, until: number, programmes: Programme[], slate: Slate): PlacedSegment[] {
  const out: PlacedSegment[] = [];
  let t = epoch;
  let seq = 0;
  let disc = 0;
  const push = (s: StitchSegment, mapUri: string | undefined, first: boolean, maxEnd: number): boolean => {
    if (t >= until || t >= maxEnd) return false;
    const duration = Math.min(s.duration, (maxEnd - t) / 1000);
    if (duration < 0.05) return false;
    if (first && out.length) disc += 1;
    out.push({
      uri: s.uri,
      duration,
      start: t,
      mapUri,
      sequence: seq++,
      discontinuity: first && out.length > 0,
      discontinuitySequence: disc,
    });
    t += duration * 1000;
    return true;
  };
  // Each pass of the slate loop repeats the same media timestamps, so each pass starts with a discontinuity.
  const fill = (to: number) => {
    while (t < to && t < until && slate.segments.length) {
      let first = true;
      for (const s of slate.segments) {
        if (!push(s, slate.mapUri, first, to)) return;
        first = false;
      }
    }
  };
  for (const p of [...programmes].sort((a, b) => a.start - b.start)) {
    if (p.end <= t) continue;
    fill(p.start);
    if (t >= until) break;
    let first = true;
    // A programme starts where its time is; if the slate ran a little past (segment rounding), it is cut there.
    for (const s of p.segments) {
      if (!push(s, p.mapUri, first, p.end)) break;
      first = false;
    }
    fill(p.end); // a lesson shorter than its slot: the slate covers the rest
  }
  fill(until);
  return out;
}

export interface ChannelPlaylistOptions {
  epoch: number;
  now: number;
  programmes: Programme[];
  slate: Slate;
  /** How much already-started media the live window keeps. */
  windowSec?: number;
  targetDuration?: number;
}

/** The live media playlist of a channel rendition at `now` (RFC 8216 live: no ENDLIST). */
export function channelPlaylist(o: ChannelPlaylistOptions): string {
  const windowMs = (o.windowSec ?? 24) * 1000;
  const placed = layout(o.epoch, o.now + 1, o.programmes, o.slate).filter((s) => s.start <= o.now);
  const win = placed.filter((s) => s.start + s.duration * 1000 > o.now - windowMs);
  const first = win[0];
  const target = o.targetDuration ?? Math.max(1, ...win.map((s) => Math.round(s.duration)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    `#EXT-X-MEDIA-SEQUENCE:${first?.sequence ?? 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${first ? first.discontinuitySequence - (first.discontinuity ? 1 : 0) : 0}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let map: string | undefined;
  win.forEach((s) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (s.mapUri && s.mapUri !== map) {
      lines.push(`#EXT-X-MAP:URI="${s.mapUri}"`);
      map = s.mapUri;
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(s.start).toISOString()}`,
      `#EXTINF:${s.duration.toFixed(3)},`,
      s.uri,
    );
  });
  return lines.join('\n') + '\n';
}
