/**
 * Channel pages follow their channel (`channel:follow`): when the
 * scheduler's leader fires a timetable switch (a lesson starts or ends),
 * every follower on any instance gets `channel:switch` at that moment and
 * re-reads what is on, so a timetable edited during the day reaches open
 * pages. The guide is public to every signed-in user; nothing else is sent.
 */
import type { Logger } from '../logger.ts';
import type { ChannelSwitch } from '../../contracts/realtime.ts';
import { handle, type IoServer } from './events.ts';

export const channelRoom = (channel: string) => `channel:${channel}`;

export function attachChannelFollow(io: IoServer, logger: Logger): void {
  const options = { logger, failed: 'channel follow failed', internalMessage: 'Try again in a moment.' };
  io.on('connection', (socket) => {
    handle(socket, 'channel:follow', options, async ({ channel }) => {
      await socket.join(channelRoom(channel));
      return { ok: true };
    });
    handle(socket, 'channel:unfollow', options, async ({ channel }) => {
      await socket.leave(channelRoom(channel));
      return { ok: true };
    });
  });
}

/** Tells a channel's followers (through the Redis adapter: on every instance) that it switched. */
export function announceSwitch(io: IoServer, s: ChannelSwitch): void {
  io.to(channelRoom(s.channel)).emit('channel:switch', {
    channel: s.channel,
    kind: s.kind,
    slotId: s.slotId,
    at: s.at,
  });
}
