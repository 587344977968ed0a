/**
 * Ports for an RTP receiver that binds each port and the next one (RTCP) on
 * every address, as ffmpeg does for an SDP input (0.0.0.0:N and N+1). A port
 * the kernel hands out for 127.0.0.1 may still be taken on another address
 * (an SFU's media ports on the node's own address), and its neighbour is not
 * checked at all: ffmpeg then exits with "bind failed" on every start. So
 * each pair is bound here on the wildcard address, both ports, before it is
 * handed out (RFC 3550 §11: RTP on the even port, RTCP on the odd one above).
 */
import dgram from 'node:dgram';
import fsp from 'node:fs/promises';

export class NoRtpPortsError extends Error {}

/** Binds udp4 0.0.0.0:port (0: any); undefined when the port is taken. */
function bindUdp(port: number): Promise<dgram.Socket | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(undefined);
    });
    s.bind({ port, address: '0.0.0.0', exclusive: true }, () => resolve(s));
  });
}

/**
 * `n` even ports P whose P and P+1 are both free on every IPv4 address now. They are released
 * before returning (ffmpeg binds them itself), so a program may still take one in between: the
 * live pipeline draws fresh ports for each ffmpeg run, and a run that cannot bind is restarted.
 */
export async function rtpPortPairs(n: number, tries = 64): Promise<number[]> {
  const held: dgram.Socket[] = [];
  const pairs: number[] = [];
  try {
    for (let i = 0; i < tries && pairs.length < n; i++) {
      const s = await bindUdp(0);
      if (!s) break; // no free port at all
      // Kept bound either way: the kernel will not hand the same port out again during the search.
      held.push(s);
      const p = s.address().port;
      const even = p - (p % 2);
      const other = await bindUdp(p === even ? p + 1 : even);
      if (!other) continue;
      held.push(other);
      pairs.push(even);
    }
  } finally {
    for (const s of held) s.close();
  }
  if (pairs.length < n)
    throw new NoRtpPortsError(
      `found ${pairs.length} of ${n} free UDP port pairs for live RTP (every local port is in use?)`,
    );
  return pairs;
}

/**
 * Whether every port is bound (UDP over IPv4) in the network namespace of process `pid`, read from
 * Linux's socket table without touching the ports; true where the table cannot be read.
 */
export async function udpPortsBound(pid: number, ports: number[]): Promise<boolean> {
  let table: string;
  try {
    table = await fsp.readFile(`/proc/${pid}/net/udp`, 'utf8');
  } catch {
    return true;
  }
  // "  12: 00000000:9C40 00000000:0000 07 …": the local address's port, in hex.
  const bound = new Set(
    table
      .split('\n')
      .slice(1)
      .map((line) => parseInt(line.trim().split(/\s+/)[1]?.split(':')[1] ?? '', 16)),
  );
  return ports.every((p) => bound.has(p));
}
