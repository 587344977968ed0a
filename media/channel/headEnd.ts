/**
 * Head-end output for cable and IPTV operators: a channel pushed as MPEG-TS
 * over UDP or SRT by one ffmpeg that reads the channel's own HLS (one video
 * rendition and the audio) and copies it, never re-encoding. The stitched
 * channel restarts its timestamps at every seam; `-dts_delta_threshold 1`
 * makes ffmpeg (the HLS demuxer declares timestamp discontinuities) shift
 * them, so the transport stream's clock runs on monotonically.
 */

export interface OutputTarget {
  protocol: 'udp' | 'srt';
  host: string;
  port: number;
  /** The URL ffmpeg writes to (packet size set for UDP/SRT: 7 TS packets per datagram). */
  url: string;
}

export class OutputUrlError extends Error {}

/** Checks an operator's address: udp://host:port or srt://host:port, optional query options. */
export function parseOutputUrl(raw: string): OutputTarget {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new OutputUrlError(`"${raw}" is not a URL; use udp://239.1.1.1:1234 or srt://host:port.`);
  }
  const protocol = u.protocol.replace(':', '');
  if (protocol !== 'udp' && protocol !== 'srt')
    throw new OutputUrlError(`Only udp:// and srt:// outputs are supported, not ${u.protocol}//.`);
  const port = Number(u.port);
  if (!u.hostname || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new OutputUrlError(`The output needs a host and a port, e.g. ${protocol}://239.1.1.1:1234.`);
  if (u.username || u.password || u.pathname.replace(/^\/$/, '') !== '')
    throw new OutputUrlError('The output URL may only have a host, a port and options (?…).');
  const params = new URLSearchParams(u.search);
  for (const k of params.keys())
    if (!/^[a-z_]{1,32}$/.test(k)) throw new OutputUrlError(`Unknown output option "${k}".`);
  if (!params.has('pkt_size')) params.set('pkt_size', '1316');
  const host = u.hostname;
  return { protocol, host, port, url: `${protocol}://${host}:${port}?${params.toString()}` };
}

/** ffmpeg arguments: the channel's video rendition and audio (HLS, live) → MPEG-TS to the target. */
export function headEndArgs(
  videoPlaylist: string,
  audioPlaylist: string,
  target: OutputTarget,
  serviceName: string,
): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-dts_delta_threshold',
    '1',
    '-re',
    '-i',
    videoPlaylist,
    '-re',
    '-i',
    audioPlaylist,
    '-map',
    '0:v:0',
    '-map',
    '1:a:0',
    '-c',
    'copy',
    '-f',
    'mpegts',
    '-mpegts_service_type',
    'digital_tv',
    '-metadata',
    'service_provider=Skyclass',
    '-metadata',
    `service_name=${serviceName}`,
    target.url,
  ];
}
