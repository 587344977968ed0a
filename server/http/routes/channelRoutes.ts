/**
 * The grade channels' HLS, public like a TV channel (players, IPTV boxes,
 * a CDN in front): /channels/grade-N/master.m3u8, one live media playlist
 * per rendition, and /channels/media/… for the stitched segments (only
 * published lessons that are on a channel's timetable, slates, live lessons).
 */
import type { Response } from 'express';
import { AppError, notFound } from '../../errors.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';
import { serveObject } from '../serveObject.ts';
import { CHANNEL_RENDITIONS } from '../../channels/ChannelService.ts';
import { parseOutputUrl, redactOutputUrl } from '../../../media/channel/headEnd.ts';

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
/** "<rendition>/<file>.m4s|mp4" and nothing else (no "..", no absolute paths). */
const MEDIA_FILE = /^(1080p|720p|480p|360p|240p|144p|source|audio)\/[A-Za-z0-9_-]+\.(m4s|mp4)$/;

export function registerChannelRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { channels, guide } = deps;
  const gradeOf = (id: string) => guide.gradeOf(id);
  const open = (res: Response) => res.set('Access-Control-Allow-Origin', '*');

  r.raw({
    method: 'get',
    path: '/channels/:channel/master.m3u8',
    produces: ['application/vnd.apple.mpegurl'],
    tag: 'channels',
    summary:
      'A grade channel’s master playlist: the rungs every lesson of its days has, each described by what it carries, and audio only (public)',
    auth: 'public',
    async handler({ params, res }) {
      const grade = await gradeOf(params.channel);
      const text = await channels.master(grade);
      open(res).set('Content-Type', PLAYLIST_TYPE).set('Cache-Control', 'public, max-age=60');
      res.send(text);
    },
  });

  r.raw({
    method: 'get',
    path: '/channels/:channel/:rendition/index.m3u8',
    produces: ['application/vnd.apple.mpegurl'],
    tag: 'channels',
    summary:
      'A grade channel rendition’s live media playlist (stitched from the timetable and the clock), public',
    auth: 'public',
    async handler({ params, res }) {
      const grade = await gradeOf(params.channel);
      if (!CHANNEL_RENDITIONS.includes(params.rendition))
        throw new AppError(
          'NOT_FOUND',
          `Channels have the renditions ${CHANNEL_RENDITIONS.join(', ')}; ${params.rendition} is not one of them.`,
        );
      // A channel still rendering its first slate throws ChannelStarting: 503 + Retry-After (errorMapping.ts).
      const text = await channels.playlist(grade, params.rendition);
      // Live playlists change with every segment; a CDN may keep them one second.
      open(res).set('Content-Type', PLAYLIST_TYPE).set('Cache-Control', 'public, max-age=1');
      res.send(text);
    },
  });

  r.add('GET /api/channels', {
    tag: 'channels',
    summary: 'The grade channels with what is on now and next',
    auth: 'any',
    handler: () => guide.nowAndNext(),
  });

  r.add('GET /api/channels/:id/epg', {
    tag: 'channels',
    summary: 'A channel’s programme for a day (?date=YYYY-MM-DD, default today)',
    auth: 'any',
    handler: ({ params, query }) => guide.day(params.id, query.date),
  });

  r.raw({
    method: 'get',
    path: '/api/epg.xml',
    produces: ['application/xml'],
    tag: 'channels',
    summary: 'XMLTV guide of every grade channel (?days=2, at most 14), for IPTV boxes, Kodi, Jellyfin',
    auth: 'public',
    async handler({ req, res }) {
      const days = Math.min(14, Math.max(1, Number(req.query.days ?? 2) || 2));
      const xml = await guide.xmltv(days, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
      res.setHeader('content-type', 'application/xml; charset=utf-8');
      res.setHeader('cache-control', 'public, max-age=60');
      res.send(xml);
    },
  });

  /** Where a piece of a channel lives in storage, if it may be served: what is on a channel, nothing else. */
  const mediaPrefix = async (kind: string, id: string): Promise<string> => {
    if (kind === 'vod') {
      const prefix = await deps.onAir.lessonPrefix(id);
      if (!prefix) throw notFound(`Lesson ${id} on a channel`);
      return prefix;
    }
    if (kind === 'slate') {
      if (!/^[0-9a-f]{16}$/.test(id)) throw notFound('This slate');
      return `slates/${id}`;
    }
    if (kind === 'live') {
      // Public only while a channel airs it; otherwise a live lesson is watched signed in (/live-hls).
      if (!/^live_[0-9a-f]{16}$/.test(id) || !(await deps.onAir.live(id)))
        throw notFound(`Live lesson ${id} on a channel`);
      return `live/${id}`;
    }
    throw notFound('This channel media');
  };

  r.raw({
    method: 'get',
    path: '/channels/media/:kind/:id/*path',
    produces: ['video/mp4', 'video/iso.segment'],
    tag: 'channels',
    summary:
      'A channel’s segments: a recorded lesson on a channel’s timetable (yesterday, today or tomorrow; kind vod), a slate (slate) or a live lesson on air (live)',
    auth: 'public',
    async handler({ req, res, params, rest }) {
      const rel = rest;
      if (!MEDIA_FILE.test(rel)) throw new AppError('BAD_REQUEST', 'This file path is not allowed.');
      const prefix = await mediaPrefix(params.kind, params.id);
      open(res);
      await serveObject(req, res, deps.storage, `${prefix}/${rel}`, 'public, max-age=31536000, immutable');
    },
  });

  r.add('GET /api/head-ends', {
    tag: 'channels',
    summary:
      'Every grade channel with its head-end output (address with secrets hidden, state, restarts, last error) and where outputs may go (district admins)',
    auth: ['district_admin'],
    async handler() {
      const grades = await deps.store.listGrades();
      const outputs = await Promise.all(grades.map((g) => deps.outputs.get(`grade-${g.number}`)));
      return {
        channels: grades.map((g, i) => {
          const o = outputs[i];
          return {
            channel: `grade-${g.number}`,
            grade: g.number,
            name: g.name,
            output: o ? { ...o, url: redactOutputUrl(o.url) } : null,
          };
        }),
        allowed: deps.headEndAllowed.spec,
      };
    },
  });

  r.add('GET /api/channels/:channel/output', {
    tag: 'channels',
    summary:
      'A channel’s head-end output (MPEG-TS over UDP/SRT to a cable/IPTV operator) and its state (district admins)',
    auth: ['district_admin'],
    async handler({ params }) {
      await gradeOf(params.channel);
      const o = await deps.outputs.get(params.channel);
      return { output: o ? { ...o, url: redactOutputUrl(o.url) } : null };
    },
  });

  r.add('PUT /api/channels/:channel/output', {
    tag: 'channels',
    summary:
      'Push a channel as MPEG-TS to udp://host:port or srt://host:port (district admins); the scheduler’s leader runs it',
    auth: ['district_admin'],
    async handler({ params, body, user }) {
      await gradeOf(params.channel);
      parseOutputUrl(body.url, deps.headEndAllowed); // OutputUrlError: VALIDATION_FAILED (errorMapping.ts)
      await deps.outputs.set({
        channel: params.channel,
        url: body.url.trim(),
        by: user.displayName,
        at: new Date().toISOString(),
      });
      const o = (await deps.outputs.get(params.channel))!;
      return { output: { ...o, url: redactOutputUrl(o.url) } };
    },
  });

  r.add('DELETE /api/channels/:channel/output', {
    tag: 'channels',
    summary: 'Stop pushing a channel to its operator (district admins)',
    auth: ['district_admin'],
    async handler({ params }) {
      await gradeOf(params.channel);
      await deps.outputs.remove(params.channel);
      return { output: null };
    },
  });
}
