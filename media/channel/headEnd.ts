import net from 'node:net';

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

/**
 * Where outputs may go: the district's operators, as IPv4/IPv6 CIDRs
 * (multicast ranges included) and exact host names. Nothing else is reachable,
 * so an admin account cannot turn the head-end against internal services
 * (udp://127.0.0.1:6379) or arbitrary hosts.
 */
export class DestinationAllowList {
  readonly #nets = new net.BlockList();
  readonly #hosts = new Set<string>();
  readonly spec: string;

  constructor(spec: string) {
    this.spec = spec;
    for (const raw of spec
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const [addr, bitsS] = raw.split('/') as [string, string | undefined];
      const family = net.isIP(addr);
      if (family) {
        const bits = bitsS === undefined ? (family === 4 ? 32 : 128) : Number(bitsS);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
          throw new OutputUrlError(`"${raw}" is not a valid network (address/prefix).`);
        this.#nets.addSubnet(addr, bits, family === 4 ? 'ipv4' : 'ipv6');
      } else if (/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(raw) && bitsS === undefined) {
        this.#hosts.add(raw.toLowerCase());
      } else {
        throw new OutputUrlError(`"${raw}" is neither an address range nor a host name.`);
      }
    }
  }

  allows(host: string): boolean {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    const family = net.isIP(h);
    if (family) return this.#nets.check(h, family === 4 ? 'ipv4' : 'ipv6');
    return this.#hosts.has(h);
  }
}

/** Output options that pass, per protocol, with the values they accept. Anything else is refused. */
const OPTIONS: Record<'udp' | 'srt', Record<string, RegExp>> = {
  udp: {
    pkt_size: /^\d{3,5}$/,
    ttl: /^\d{1,3}$/,
    buffer_size: /^\d{1,9}$/,
    bitrate: /^\d{1,10}$/,
    burst_bits: /^\d{1,10}$/,
    fifo_size: /^\d{1,9}$/,
  },
  srt: {
    pkt_size: /^\d{3,5}$/,
    payload_size: /^\d{3,5}$/,
    latency: /^\d{1,9}$/,
    maxbw: /^-?\d{1,12}$/,
    oheadbw: /^\d{1,3}$/,
    passphrase: /^[\x21-\x7e]{10,79}$/,
    pbkeylen: /^(0|16|24|32)$/,
    streamid: /^[\x20-\x7e]{1,512}$/,
    mode: /^caller$/,
    connect_timeout: /^\d{1,6}$/,
  },
};

/** Option values never logged or shown back. */
const SECRET_OPTIONS = ['passphrase', 'streamid'];

/** The URL with its secrets replaced by ***: for logs and API answers. */
export function redactOutputUrl(url: string): string {
  return url.replace(new RegExp(`([?&](?:${SECRET_OPTIONS.join('|')})=)[^&\\s'"]*`, 'g'), '$1***');
}

/**
 * Checks an operator's address: udp://host:port or srt://host:port with known
 * options only, and (given the district's allow list) a permitted destination.
 */
export function parseOutputUrl(raw: string, allowed?: DestinationAllowList): OutputTarget {
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
  const known = OPTIONS[protocol];
  for (const [k, v] of params) {
    const rule = known[k];
    if (!rule)
      throw new OutputUrlError(
        `The ${protocol} output option "${k.slice(0, 32)}" is not allowed. Allowed: ${Object.keys(known).join(', ')}.`,
      );
    if (!rule.test(v)) throw new OutputUrlError(`The value of "${k}" is not valid for a ${protocol} output.`);
  }
  if (!params.has('pkt_size')) params.set('pkt_size', '1316');
  const host = u.hostname;
  if (allowed && !allowed.allows(host))
    throw new OutputUrlError(
      `${host} is not an allowed destination for head-end outputs. The district allows: ${allowed.spec || 'nothing'} (setting HEAD_END_ALLOWED).`,
    );
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
