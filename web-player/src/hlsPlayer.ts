/** Live HLS in a <video>: hls.js where the browser has MSE, else the browser's own HLS (Safari, iOS). */
import type Hls from 'hls.js';
import type { HlsConfig } from 'hls.js';

export interface LiveHlsHandlers {
  /** A fatal error hls.js cannot recover from by itself (media errors are recovered here). */
  onFatal: () => void;
  /** Every fatal error, recovered or not. */
  onAnyFatal?: () => void;
  /** The fragment now playing changed (its URL). */
  onFragChanged?: (url: string) => void;
}

/**
 * Starts playing `url`. Returns the hls.js instance, null when the browser plays HLS natively,
 * or undefined when it cannot play HLS at all.
 */
export async function playLiveHls(
  video: HTMLVideoElement,
  url: string,
  config: Partial<HlsConfig>,
  h: LiveHlsHandlers,
): Promise<Hls | null | undefined> {
  const HlsClass = (await import('hls.js')).default;
  if (HlsClass.isSupported()) {
    const player = new HlsClass(config);
    player.on(HlsClass.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      h.onAnyFatal?.();
      if (data.type === HlsClass.ErrorTypes.MEDIA_ERROR) player.recoverMediaError();
      else h.onFatal();
    });
    if (h.onFragChanged)
      player.on(HlsClass.Events.FRAG_CHANGED, (_e, data) => h.onFragChanged!(data.frag.url));
    player.loadSource(url);
    player.attachMedia(video);
    return player;
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
    return null;
  }
  return undefined;
}
