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
  /**
   * A 401/403 (the viewing pass lapsed): renew it and resolve true to carry on loading where it
   * stopped; false (or no handler) makes the error fatal.
   */
  renewAccess?: () => Promise<boolean>;
}

/**
 * Starts playing `url`. Returns the hls.js instance, null when the browser plays HLS natively,
 * or undefined when it cannot play HLS at all.
 */
/**
 * Goes on loading after an error: hls.js's startLoad carries on with the media playlists and
 * segments, but a master playlist that never loaded is not fetched again by it (a dead end on a
 * slow or refused first request), so that one is asked for again.
 */
export function loadAgain(player: Hls, url: string): void {
  if (player.levels.length) player.startLoad();
  else player.loadSource(url);
}

export async function playLiveHls(
  video: HTMLVideoElement,
  url: string,
  config: Partial<HlsConfig>,
  h: LiveHlsHandlers,
): Promise<Hls | null | undefined> {
  const HlsClass = (await import('hls.js')).default;
  if (HlsClass.isSupported()) {
    const player = new HlsClass(config);
    let denials = 0;
    player.on(HlsClass.Events.FRAG_LOADED, () => (denials = 0));
    player.on(HlsClass.Events.ERROR, (_e, data) => {
      // A lapsed pass (also when hls.js would only skip a level it could not load): renew, go on.
      const status = data.response?.code;
      if ((status === 401 || status === 403) && h.renewAccess && denials++ === 0) {
        void h.renewAccess().then((ok) => (ok ? loadAgain(player, url) : h.onFatal()));
        return;
      }
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
