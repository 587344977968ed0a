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
 *
 * A live programme (a live lesson taking over the channel) contributes the
 * live pipeline's segments at their wall-clock times. Where the live source
 * has nothing (not started yet, or failed), the slate fills in, but only once
 * the gap is older than `liveGraceMs`: by then any live segment of that time
 * would already exist, so every instance decides the same way. A live
 * programme may carry a backup lesson (备份方案): once a gap has lasted
 * `backup.afterMs`, the backup's segments play instead of the slate (from its
 * start; a later gap continues where it stopped), until the live source has a
 * segment again, which takes the channel back at once.
 */

export interface StitchSegment {
  uri: string;
  duration: number;
  /** Live segments: wall-clock start (ms since epoch). */
  at?: number;
  /** Live segments carry their own init segment (it changes when the encoder restarts). */
  mapUri?: string;
}

export interface Programme {
  /** ms since epoch. */
  start: number;
  end: number;
  /** The rendition's init segment (fMP4) and media segments. */
  mapUri?: string;
  segments: StitchSegment[];
  /** A live lesson: segments are placed at their `at` times. */
  live?: boolean;
  /** Identifies the programme to the slate chooser ("next: …"). */
  id?: string;
  /** A live programme's backup lesson: its segments fill a gap once the gap is `afterMs` old. */
  backup?: { mapUri?: string; segments: StitchSegment[]; afterMs: number };
}

export interface Slate {
  mapUri?: string;
  /** One loop of the slate; repeated to fill gaps. */
  segments: StitchSegment[];
}

/** Chooses the slate for one pass of the loop starting at `at`, in a gap before `next` (none: the day is over). */
export type SlateChooser = (at: number, next: Programme | undefined) => Slate;

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

/** Live segments within this distance of the cursor continue the programme without a gap. */
const LIVE_SNAP_MS = 1000;
/** Longer than a slate segment + a live segment + the time to store it, so every instance decides alike. */
export const LIVE_GRACE_MS = 10_000;

/**
 * Lays out segments from `epoch` up to `until` (ms). Programmes must not
 * overlap (the rule engine guarantees it); a programme's segments stop at
 * its end; the slate fills every gap, cut at the next programme's start.
 */
export function layout(
  epoch: number,
  until: number,
  programmes: Programme[],
  slate: Slate | SlateChooser,
  liveGraceMs = LIVE_GRACE_MS,
  /** Segments ending before this are counted (sequence numbers) but not returned: caches stay small. */
  keepFrom = -Infinity,
): PlacedSegment[] {
  const chooser: SlateChooser = typeof slate === 'function' ? slate : () => slate;
  const out: PlacedSegment[] = [];
  let t = epoch;
  let seq = 0;
  let disc = 0;
  let count = 0;
  const push = (
    s: StitchSegment,
    mapUri: string | undefined,
    first: boolean,
    maxEnd: number,
    startLimit = Infinity,
  ): boolean => {
    if (t >= until || t >= maxEnd || t > startLimit) return false;
    const duration = Math.min(s.duration, (maxEnd - t) / 1000);
    if (duration < 0.05) return false;
    const seam = first && count > 0;
    if (seam) disc += 1;
    count++;
    if (t + duration * 1000 > keepFrom)
      out.push({
        uri: s.uri,
        duration,
        start: t,
        mapUri: s.mapUri ?? mapUri,
        sequence: seq,
        discontinuity: seam,
        discontinuitySequence: disc,
      });
    seq++;
    t += duration * 1000;
    return true;
  };
  // Each pass of the slate loop repeats the same media timestamps, so each pass starts with a discontinuity.
  const fill = (to: number, next: Programme | undefined, startLimit = Infinity) => {
    while (t < to && t < until && t <= startLimit) {
      const sl = chooser(t, next);
      if (!sl.segments.length) return;
      let first = true;
      for (const s of sl.segments) {
        if (!push(s, sl.mapUri, first, to, startLimit)) return;
        first = false;
      }
    }
  };
  const sorted = [...programmes].sort((a, b) => a.start - b.start);
  // Set while a live programme waits for segments that may still arrive: nothing after it is laid out yet.
  let halted = false;
  sorted.forEach((p, i) => {
    if (halted || p.end <= t || t >= until) return;
    fill(p.start, p);
    if (t >= until) return;
    if (p.live) {
      placeLive(p);
      return;
    }
    let first = true;
    // A programme starts where its time is; if the slate ran a little past (segment rounding), it is cut there.
    for (const s of p.segments) {
      if (!push(s, p.mapUri, first, p.end)) break;
      first = false;
    }
    fill(p.end, sorted[i + 1]); // a lesson shorter than its slot: the slate covers the rest
  });
  if (!halted) fill(until, undefined);
  return out;

  function placeLive(p: Programme): void {
    const live = p.segments
      .filter((s) => s.at !== undefined && s.at + s.duration * 1000 > p.start && s.at < p.end)
      .sort((a, b) => a.at! - b.at!);
    let first = true;
    let k = 0;
    let b = 0; // the backup's next segment
    while (t < p.end && t < until) {
      // Skip what the cursor has already passed (covered by the slate, or overlapping).
      while (k < live.length && live[k]!.at! < t - LIVE_SNAP_MS) k++;
      const s = live[k];
      if (s && s.at! <= t + LIVE_SNAP_MS) {
        if (!push(s, p.mapUri, first, p.end)) return;
        first = s.mapUri !== live[k + 1]?.mapUri; // a new encoder run (new init segment) is a new piece
        k++;
        continue;
      }
      // A gap up to the next live segment; with nothing after it yet, slate segments start only where
      // the gap is older than the grace time (any live segment of that time would exist by now).
      const to = s ? s.at! : p.end;
      const limit = s ? Infinity : until - liveGraceMs;
      if (p.backup && b < p.backup.segments.length) {
        // The slate while the teacher may still come; then the backup lesson; the slate if it runs out.
        fill(Math.min(to, t + p.backup.afterMs), p, limit);
        let firstBackup = true;
        while (
          b < p.backup.segments.length &&
          push(p.backup.segments[b]!, p.backup.mapUri, firstBackup, to, limit)
        ) {
          firstBackup = false;
          b++;
        }
      }
      fill(to, p, limit);
      first = true;
      if (!s && t < p.end && t < until) {
        halted = true; // wait: live segments of this time may still arrive
        return;
      }
    }
  }
}

export interface ChannelPlaylistOptions {
  epoch: number;
  now: number;
  programmes: Programme[];
  slate: Slate | SlateChooser;
  /** How much already-started media the live window keeps. */
  windowSec?: number;
  targetDuration?: number;
  /** Prefix for every URI (e.g. "../../media/"). */
  uriPrefix?: string;
}

/** The live media playlist of a channel rendition at `now` (RFC 8216 live: no ENDLIST). */
export function channelPlaylist(o: ChannelPlaylistOptions): string {
  return windowPlaylist(layout(o.epoch, o.now + 1, o.programmes, o.slate), o.now, o);
}

/** The index of the first segment starting after `now` (placed segments are in time order). */
function firstAfter(placed: PlacedSegment[], now: number): number {
  let lo = 0;
  let hi = placed.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (placed[mid]!.start <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rounded EXTINF may not exceed the target duration (RFC 8216 §4.3.3.1), which may not change while
 * the playlist lives: the largest of every input segment (cut segments only get shorter).
 */
export function targetDurationOf(programmes: Programme[], slates: Slate[]): number {
  let max = 1;
  for (const p of [...programmes, ...slates])
    for (const s of p.segments) max = Math.max(max, Math.round(s.duration));
  return max;
}

/** The sliding window of an already laid-out day at `now`. */
export function windowPlaylist(
  placed: PlacedSegment[],
  now: number,
  o: { windowSec?: number; targetDuration?: number; uriPrefix?: string } = {},
): string {
  const windowMs = (o.windowSec ?? 24) * 1000;
  const end = firstAfter(placed, now);
  let begin = end;
  while (begin > 0 && placed[begin - 1]!.start + placed[begin - 1]!.duration * 1000 > now - windowMs) begin--;
  const win = placed.slice(begin, end);
  const first = win[0];
  const target = o.targetDuration ?? Math.max(1, ...win.map((s) => Math.round(s.duration)));
  const prefix = o.uriPrefix ?? '';
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
      lines.push(`#EXT-X-MAP:URI="${prefix}${s.mapUri}"`);
      map = s.mapUri;
    }
    lines.push(
      `#EXT-X-PROGRAM-DATE-TIME:${new Date(s.start).toISOString()}`,
      `#EXTINF:${s.duration.toFixed(3)},`,
      prefix + s.uri,
    );
  });
  return lines.join('\n') + '\n';
}
