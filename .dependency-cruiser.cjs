/**
 * The layers of Skyclass, enforced (npm run lint:deps, part of npm test):
 *
 *   web-player ──(types only)──▶ contracts ◀── server, media, recordings, core
 *
 *   server ──▶ media ──────┐
 *     │                    ├──▶ core
 *     └──▶ recordings ─────┘
 *
 * contracts/ is the wire (zod schemas of every REST body, query and answer,
 * and the socket.io events) and imports nothing of Skyclass;
 * core/ is what both planes share (process supervision, ffmpeg builders and
 * probe, the ladder, HLS playlists, storage) and imports none of the others;
 * media/ (SFU, live pipeline, channel playout) and recordings/ (catalogue,
 * transcode jobs) import core/ only, never each other; server/ composes them;
 * the web app sees the server only through types. No import cycles anywhere.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: split the shared part out (see the layer picture above).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contracts-stand-alone',
      severity: 'error',
      comment: 'contracts/ describe the wire with zod only; they import no other part of Skyclass.',
      from: { path: '^contracts/' },
      to: { path: '^(core|media|recordings|server|web-player|bench|tests)/' },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'core/ is shared by both planes and imports none of them.',
      from: { path: '^core/' },
      to: { path: '^(media|recordings|server|web-player)/' },
    },
    {
      name: 'media-not-recordings',
      severity: 'error',
      comment: 'media/ uses core/, never recordings/ or server/.',
      from: { path: '^media/' },
      to: { path: '^(recordings|server|web-player)/' },
    },
    {
      name: 'recordings-not-media',
      severity: 'error',
      comment: 'recordings/ uses core/, never media/ or server/.',
      from: { path: '^recordings/' },
      to: { path: '^(media|server|web-player)/' },
    },
    {
      name: 'server-not-web',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^web-player/' },
    },
    {
      name: 'web-sees-types-only',
      severity: 'error',
      comment: 'The web app runs in the browser and knows the server only through the contracts’ types.',
      from: { path: '^web-player/' },
      to: { path: '^(server|media|recordings|core)/' },
    },
    {
      name: 'web-contract-types-only',
      severity: 'error',
      comment: 'The web app imports the contracts’ types (no zod in the bundle).',
      from: { path: '^web-player/' },
      to: { path: '^contracts/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data|\\.tmp)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
