import { describe, expect, it } from 'vitest';
import { headEndArgs, parseOutputUrl } from '../../media/channel/headEnd.ts';

describe('head-end output', () => {
  it('accepts udp:// and srt:// with a host and a port, adding the TS packet size', () => {
    expect(parseOutputUrl('udp://239.1.1.1:1234').url).toBe('udp://239.1.1.1:1234?pkt_size=1316');
    expect(parseOutputUrl(' srt://127.0.0.1:9000?latency=200000 ').url).toBe(
      'srt://127.0.0.1:9000?latency=200000&pkt_size=1316',
    );
    expect(parseOutputUrl('udp://127.0.0.1:5000?pkt_size=188').url).toBe('udp://127.0.0.1:5000?pkt_size=188');
  });

  it.each([
    ['http://example.org:80', /Only udp/],
    ['file:///etc/passwd', /Only udp/],
    ['udp://127.0.0.1', /host and a port/],
    ['udp://127.0.0.1:70000', /not a URL|host and a port/],
    ['udp://u:p@127.0.0.1:5000', /only have a host/],
    ['udp://127.0.0.1:5000/path', /only have a host/],
    ['udp://127.0.0.1:5000?a=1&-evil=2', /option "a" is not allowed/],
    ['', /not a URL/],
  ])('refuses %s', (url, why) => {
    expect(() => parseOutputUrl(url)).toThrow(why);
  });

  it('copies the channel (never re-encodes) and keeps the clock monotonic across seams', () => {
    const a = headEndArgs(
      'http://x/720p/index.m3u8',
      'http://x/audio/index.m3u8',
      parseOutputUrl('udp://127.0.0.1:5000'),
      '三年级 空中课堂',
    );
    expect(a.slice(a.indexOf('-c'), a.indexOf('-c') + 2)).toEqual(['-c', 'copy']);
    expect(a).toContain('-dts_delta_threshold');
    expect(a).not.toContain('libx264');
    expect(a.at(-1)).toBe('udp://127.0.0.1:5000?pkt_size=1316');
    expect(a).toContain('service_name=三年级 空中课堂');
    expect(a.filter((x) => x === '-re')).toHaveLength(2);
  });
});
