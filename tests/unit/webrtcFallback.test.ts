import { describe, expect, it } from 'vitest';
import { WEBRTC_FALLBACK, webrtcFallback } from '../../web-player/src/webrtcFallback.ts';

describe('when a WebRTC viewer without picture switches to live HLS', () => {
  it('switches after 12 s when the video server cannot be reached', () => {
    expect(webrtcFallback(11_999, false)).toBe('wait');
    expect(webrtcFallback(WEBRTC_FALLBACK.afterMs, false)).toBe('hls');
  });

  it('waits up to 30 s when it can be reached (slow, not blocked), then switches', () => {
    expect(webrtcFallback(12_000, true)).toBe('wait');
    expect(webrtcFallback(29_999, true)).toBe('wait');
    expect(webrtcFallback(WEBRTC_FALLBACK.reachableUpToMs, true)).toBe('hls');
  });
});
