/**
 * Janus's private configuration, written by Skyclass for every start: its
 * own secrets, only the videoroom plugin and the WebSocket transport (on a
 * unix socket, so no TCP port is opened for control and the socket can be
 * reached from outside a network namespace), no demo rooms, and the ICE
 * interface and RTP port range from Skyclass's config. The Debian
 * service's files in /etc/janus are never read.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface JanusConfigOptions {
  /** Folder the .jcfg files are written to (and the control socket lives in). */
  dir: string;
  apiSecret: string;
  adminKey: string;
  /** ICE: interfaces or addresses to gather on (Janus's ice_enforce_list), e.g. "eth0" or "127.0.0.2". */
  iceEnforceList?: string;
  /** Public IP to announce when Janus is behind 1:1 NAT (nat_1_1_mapping). */
  natMapping?: string;
  rtpPortRange: { min: number; max: number };
  debugLevel?: number;
  /** Where Debian installs Janus's modules. */
  libDir?: string;
}

export const JANUS_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';
/** The only modules Skyclass loads; every other plugin and transport is disabled by name. */
export const USED_PLUGINS = ['libjanus_videoroom.so'];
export const USED_TRANSPORTS = ['libjanus_websockets.so'];

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Every module in a folder that is not in `keep` (so a newly installed plugin stays off too). */
export function modulesToDisable(folder: string, keep: string[]): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder).filter((f) => /\.so$/.test(f));
  } catch {
    return [];
  }
  return names.filter((n) => !keep.includes(n)).sort();
}

export function controlSocketPath(dir: string): string {
  return path.join(dir, 'janus-api.sock');
}

export function janusMainConfig(o: JanusConfigOptions): string {
  const lib = o.libDir ?? JANUS_LIB_DIR;
  const disabledPlugins = modulesToDisable(path.join(lib, 'plugins'), USED_PLUGINS);
  const disabledTransports = modulesToDisable(path.join(lib, 'transports'), USED_TRANSPORTS);
  const nat = [
    '\tnice_debug = false',
    '\tignore_mdns = true',
    o.iceEnforceList ? `\tice_enforce_list = ${q(o.iceEnforceList)}` : '',
    o.natMapping ? `\tnat_1_1_mapping = ${q(o.natMapping)}` : '',
  ].filter(Boolean);
  return `# Written by Skyclass at every start; edits are overwritten.
general: {
\tconfigs_folder = ${q(o.dir)}
\tplugins_folder = ${q(path.join(lib, 'plugins'))}
\ttransports_folder = ${q(path.join(lib, 'transports'))}
\tevents_folder = ${q(path.join(lib, 'events'))}
\tloggers_folder = ${q(path.join(lib, 'loggers'))}
\tdebug_level = ${o.debugLevel ?? 4}
\tdebug_timestamps = false
\tdebug_colors = false
\tserver_name = "skyclass-sfu"
\tapi_secret = ${q(o.apiSecret)}
\tsession_timeout = 60
\treclaim_session_timeout = 0
\thide_dependencies = true
\texit_on_dl_error = true
\tprotected_folders = ["/bin", "/boot", "/dev", "/etc", "/initrd", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr", "/var"]
}
certificates: {
}
media: {
\tipv6 = false
\trtp_port_range = "${o.rtpPortRange.min}-${o.rtpPortRange.max}"
\tdtls_timeout = 500
\tnack_optimizations = false
}
nat: {
${nat.join('\n')}
}
plugins: {
\tdisable = ${q(disabledPlugins.join(','))}
}
transports: {
\tdisable = ${q(disabledTransports.join(','))}
}
loggers: {
\tdisable = ${q(modulesToDisable(path.join(lib, 'loggers'), []).join(','))}
}
events: {
\tbroadcast = false
}
`;
}

export function janusWebsocketConfig(o: JanusConfigOptions): string {
  return `# Written by Skyclass: the API only on a unix socket, no TCP, no admin API.
general: {
\tjson = "plain"
\tws = true
\tws_unix = ${q(controlSocketPath(o.dir))}
\twss = false
}
admin: {
\tadmin_ws = false
\tadmin_wss = false
}
`;
}

export function janusVideoroomConfig(o: JanusConfigOptions): string {
  return `# Written by Skyclass: no static rooms; rooms are created through the API with the admin key.
general: {
\tadmin_key = ${q(o.adminKey)}
\tlock_rtp_forward = true
\tstring_ids = true
\tevents = false
}
`;
}

/** Writes the three files (mode 0600: they hold secrets) and returns the main config's path. */
export function writeJanusConfig(o: JanusConfigOptions): string {
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const write = (name: string, text: string) =>
    fs.writeFileSync(path.join(o.dir, name), text, { mode: 0o600 });
  write('janus.jcfg', janusMainConfig(o));
  write('janus.transport.websockets.jcfg', janusWebsocketConfig(o));
  write('janus.plugin.videoroom.jcfg', janusVideoroomConfig(o));
  fs.rmSync(controlSocketPath(o.dir), { force: true });
  return path.join(o.dir, 'janus.jcfg');
}
