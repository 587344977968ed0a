/**
 * When a viewer's WebRTC shows no picture, live HLS takes over (the viewer
 * sees the lesson ~10 s later, but sees it). Whether to wait or switch
 * depends on why there is no picture yet:
 * - the video server cannot be reached at all (UDP blocked, a strict
 *   firewall: no ICE candidate pair ever succeeds) — switch 12 s after the
 *   streams were asked for;
 * - it can be reached (a pair succeeded) but the connection is not up yet (a
 *   busy device or server still finishing DTLS) — the low-latency path works
 *   here, so wait for it, up to 30 s in all.
 */
export const WEBRTC_FALLBACK = { afterMs: 12_000, reachableUpToMs: 30_000, recheckMs: 2_000 } as const;

export function webrtcFallback(elapsedMs: number, reachable: boolean): 'wait' | 'hls' {
  if (elapsedMs < WEBRTC_FALLBACK.afterMs) return 'wait';
  return reachable && elapsedMs < WEBRTC_FALLBACK.reachableUpToMs ? 'wait' : 'hls';
}
