/**
 * The duty console (值班监控台): one snapshot of the district's service for
 * the people on duty — every channel's state (a recorded lesson on air, a
 * live lesson with media, a break, the slate shown during a live slot, a
 * slot that cannot play), the live lessons with viewers, node and the age of
 * their last media, the media nodes' load, the transcode queue, the request
 * error rate of all api instances — and the alerts that need someone:
 * a slate during a scheduled lesson, a live lesson without media for 10 s,
 * a media node lost, a head-end output failing, server errors above 5 %.
 * Everything is read from Redis, so any api instance answers the same.
 */
import type { Redis } from 'ioredis';
import type { DutyAlert, DutySnapshot } from '../../contracts/duty.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { channelId, channelName, localDate, programmes } from '../timetable/epg.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { OutputStore } from '../channels/HeadEnds.ts';
import type { NodeRegistry } from '../cluster/NodeRegistry.ts';
import type { TranscodeQueue } from '../../recordings/transcode/TranscodeQueue.ts';
import { RedisLiveHlsState } from '../live/LiveHlsState.ts';
import { liveViewers } from '../realtime/liveSignaling.ts';
import type { RequestStats } from './RequestStats.ts';

/** A live lesson whose last media is older than this has "no media". */
export const NO_MEDIA_AFTER_SEC = 10;
/** A node gone without leaving within this window is reported lost. */
const LOST_WINDOW_MS = 30 * 60_000;

export interface DutyConsoleDeps {
  redis: Redis;
  timetable: TimetableStore;
  grades: () => Promise<Set<number>>;
  lessons: LessonStore;
  live: LiveStore;
  outputs: OutputStore;
  registry: NodeRegistry;
  transcodes: TranscodeQueue;
  requests: RequestStats;
  timeZone: string;
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class DutyConsole {
  readonly #d: DutyConsoleDeps;

  constructor(d: DutyConsoleDeps) {
    this.#d = d;
  }

  async snapshot(): Promise<DutySnapshot> {
    const d = this.#d;
    const now = (d.now ?? Date.now)();
    const alerts: DutyAlert[] = [];
    const grades = [...(await d.grades())].sort((a, b) => a - b);
    const today = localDate(d.timeZone, now);
    const slots = await d.timetable.days(grades, [today]);
    const progs = programmes(slots, d.timeZone);
    const at = iso(now);

    // Live lessons first: a channel's live slot is on air only while its lesson has fresh media.
    const lives = (await d.live.list()).filter((l) => l.status !== 'ended');
    const live = await Promise.all(
      lives.map(async (l) => {
        const last = await new RedisLiveHlsState(d.redis, l.id).last('source');
        const mediaAt = last ? last.pdt + last.duration * 1000 : undefined;
        const mediaAgeSec =
          mediaAt !== undefined ? Math.max(0, Math.round((now - mediaAt) / 100) / 10) : null;
        const nodeId = await d.registry.placement(l.roomId);
        const node = nodeId && (await d.registry.get(nodeId)) ? nodeId : null;
        const startedAt = l.startedAt ? Date.parse(l.startedAt) : now;
        const silentFor = mediaAt !== undefined ? now - mediaAt : now - startedAt;
        if (l.status === 'live' && silentFor > NO_MEDIA_AFTER_SEC * 1000) {
          const s = Math.round(silentFor / 1000);
          alerts.push({
            level: 'critical',
            code: 'LIVE_NO_MEDIA',
            message: `直播课「${l.title}」已 ${s} 秒没有画面（老师的推流中断或尚未开始）。`,
            messageEn: `Live lesson "${l.title}" has had no media for ${s} s (the teacher's stream stopped or has not started).`,
            subject: l.id,
            since: iso(mediaAt ?? startedAt),
          });
        }
        return {
          id: l.id,
          title: l.title,
          grade: l.grade,
          teacherName: l.teacherName,
          status: l.status,
          viewers: await liveViewers(d.redis, l.id),
          node,
          mediaAgeSec,
          // The channel airs the lesson only while it has recent media (else its slate).
          fresh: l.status === 'live' && mediaAt !== undefined && now - mediaAt <= NO_MEDIA_AFTER_SEC * 1000,
        };
      }),
    );

    const channels = await Promise.all(
      grades.map(async (g) => {
        const id = channelId(g);
        const prog = progs.find((p) => p.channel === id && p.start <= at && at < p.stop);
        const slot = prog ? slots.find((s) => s.id === prog.slotId) : undefined;
        let state: DutySnapshot['channels'][number]['state'] = 'break';
        if (slot?.source.kind === 'recorded') {
          const lesson = await d.lessons.get(slot.source.lessonId);
          state = lesson?.status === 'ready' && lesson.review === 'approved' ? 'on-air' : 'failing';
        } else if (slot?.source.kind === 'live') {
          const liveId = slot.source.liveLessonId;
          const backup = slot.source.backupLessonId
            ? await d.lessons.get(slot.source.backupLessonId)
            : undefined;
          state = live.some((l) => l.id === liveId && l.fresh)
            ? 'live'
            : backup?.status === 'ready' && backup.review === 'approved'
              ? 'backup' // the channel plays the backup lesson instead of the slate (after the district's delay)
              : 'slate';
          if (state === 'backup')
            alerts.push({
              level: 'warning',
              code: 'BACKUP_ON_AIR',
              message: `${channelName(g)}的直播「${prog!.title}」没有画面，频道改播备份课「${backup!.title}」。`,
              messageEn: `${channelName(g)}: the live lesson "${prog!.title}" has no media; the channel plays the backup "${backup!.title}".`,
              subject: id,
              since: prog!.start,
            });
        }
        if (prog && (state === 'slate' || state === 'failing'))
          alerts.push({
            level: 'critical',
            code: 'SLATE_DURING_LESSON',
            message: `${channelName(g)}正在播出等待画面，而课表此时是「${prog.title}」。`,
            messageEn: `${channelName(g)} shows the slate during the scheduled lesson "${prog.title}".`,
            subject: id,
            since: prog.start,
          });
        const out = await d.outputs.get(id);
        if (out?.status && out.status.state !== 'running')
          alerts.push({
            level: 'warning',
            code: 'OUTPUT_FAILING',
            message: `${channelName(g)}的有线电视输出未在运行（已重启 ${out.status.restarts} 次）。`,
            messageEn: `${channelName(g)}'s head-end output is not running (${out.status.restarts} restarts).`,
            subject: id,
            since: out.status.since,
          });
        return {
          id,
          grade: g,
          name: channelName(g),
          state,
          now: prog ? { title: prog.title, kind: prog.kind, start: prog.start, stop: prog.stop } : null,
          output: out?.status
            ? { state: out.status.state, restarts: out.status.restarts, error: out.status.error ?? null }
            : null,
        };
      }),
    );

    const nodes = (await d.registry.alive()).map((n) => ({
      id: n.id,
      load: n.load,
      maxLoad: n.maxLoad,
      startedAt: n.startedAt,
    }));
    for (const lost of await d.registry.lost(LOST_WINDOW_MS, now))
      alerts.push({
        level: 'critical',
        code: 'NODE_LOST',
        message: `媒体节点 ${lost.id} 已失联；它的直播课已迁移到其他节点。请检查该服务器。`,
        messageEn: `Media node ${lost.id} was lost; its lessons moved to other nodes. Check that server.`,
        subject: lost.id,
        since: iso(lost.lastSeen),
      });

    const requests = await d.requests.recent(5, now);
    if (requests.total >= 100 && requests.errorRate > 0.05)
      alerts.push({
        level: 'warning',
        code: 'ERROR_RATE',
        message: `过去 5 分钟 ${(requests.errorRate * 100).toFixed(1)}% 的请求出错（${requests.errors}/${requests.total}）。`,
        messageEn: `${(requests.errorRate * 100).toFixed(1)}% of requests failed in the last 5 minutes (${requests.errors}/${requests.total}).`,
        subject: 'api',
        since: null,
      });

    return {
      at,
      channels,
      live: live.map(({ fresh: _fresh, ...l }) => l),
      nodes,
      transcodes: await d.transcodes.counts(),
      requests,
      alerts: alerts.sort((a, b) => (a.level === b.level ? 0 : a.level === 'critical' ? -1 : 1)),
    };
  }
}
