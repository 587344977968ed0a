/**
 * What a media node does for the api instances: its SFU's rooms, transports,
 * producers and consumers, and the live HLS pipelines of its rooms. The same
 * table answers local calls (one process with every role) and the node's
 * internal HTTP API (mediaNode.ts); the api side calls it through
 * ClusterMedia, which knows each room's node.
 */
import type { types } from 'mediasoup';
import type { MediasoupSfu, MediaSource, PipedProducer } from '../../media/mediasoup/MediasoupSfu.ts';
import type { RoomSpec } from '../../media/sfu/Sfu.ts';
import type { LiveHlsManager } from '../live/LiveHlsManager.ts';
import type { LiveLesson } from '../live/LiveLesson.ts';
import type { PeerOwners } from './PeerOwners.ts';
import { SfuError } from '../../media/mediasoup/MediasoupSfu.ts';

export function nodeApi(sfu: MediasoupSfu, hls: LiveHlsManager, owners: PeerOwners) {
  return {
    ensureRoom: (spec: RoomSpec) => sfu.ensureRoom(spec),
    destroyRoom: async (roomId: string) => {
      owners.releaseRoom(roomId);
      await sfu.destroyRoom(roomId);
    },
    /** The api instance that drives this peer (a peer whose instance dies unadopted is closed). */
    claimPeer: async (roomId: string, peerId: string, owner: string) => owners.claim(roomId, peerId, owner),
    /** Another api instance takes a live peer over (its page reconnected there): the peer's producers. */
    adoptPeer: async (roomId: string, peerId: string, userId: string, owner: string) => {
      const info = sfu.peerInfo(roomId, peerId);
      if (!info || info.userId !== userId) throw new SfuError('NOT_FOUND', 'Unknown connection; join again.');
      owners.claim(roomId, peerId, owner);
      return info.producers;
    },
    participants: (roomId: string) => sfu.participants(roomId),
    rtpCapabilities: async (roomId: string) => sfu.rtpCapabilities(roomId),
    producers: async (roomId: string) => sfu.producers(roomId),
    openTransport: (roomId: string, peerId: string, userId: string) =>
      sfu.openTransport(roomId, peerId, userId),
    connectTransport: (roomId: string, peerId: string, transportId: string, dtls: types.DtlsParameters) =>
      sfu.connectTransport(roomId, peerId, transportId, dtls),
    produce: (
      roomId: string,
      peerId: string,
      transportId: string,
      o: { kind: types.MediaKind; rtpParameters: types.RtpParameters; source: MediaSource },
    ) => sfu.produce(roomId, peerId, transportId, o),
    closeProducer: (roomId: string, peerId: string, producerId: string) =>
      sfu.closeProducer(roomId, peerId, producerId),
    consume: (
      roomId: string,
      peerId: string,
      transportId: string,
      producerId: string,
      caps: types.RtpCapabilities,
    ) => sfu.consume(roomId, peerId, transportId, producerId, caps),
    resumeConsumer: (roomId: string, peerId: string, consumerId: string) =>
      sfu.resumeConsumer(roomId, peerId, consumerId),
    setLayer: (roomId: string, peerId: string, consumerId: string, layer?: number) =>
      sfu.setLayer(roomId, peerId, consumerId, layer),
    limitUser: (roomId: string, userId: string, bps: number) => sfu.limitUser(roomId, userId, bps),
    closePeer: async (roomId: string, peerId: string) => {
      owners.release(peerId);
      await sfu.closePeer(roomId, peerId);
    },
    // Pipes between nodes (a lesson bigger than one node): `key` is the other node's id.
    openPipe: (roomId: string, key: string) => sfu.openPipe(roomId, key),
    connectPipe: (roomId: string, key: string, remote: { ip: string; port: number }) =>
      sfu.connectPipe(roomId, key, remote),
    /** Origin: every producer of the room into the pipe (what the edge must produce). */
    pipeAll: async (roomId: string, key: string) =>
      Promise.all(sfu.producers(roomId).map((p) => sfu.pipeConsume(roomId, key, p.id))),
    pipeProduce: async (roomId: string, key: string, producers: PipedProducer[]) => {
      for (const p of producers) await sfu.pipeProduce(roomId, key, p);
    },
    closePipedProducer: (roomId: string, key: string, producerId: string) =>
      sfu.closePipedProducer(roomId, key, producerId),
    hlsPublished: (l: LiveLesson, publisherId: string) => hls.onPublished(l, publisherId),
    hlsSource: (l: LiveLesson, publisherId: string, source: 'camera' | 'screen') =>
      hls.setVideoSource(l, publisherId, source),
    /** Ends the pipeline (if here), finishes the playlists, makes the replay; then closes the room. */
    endLive: async (l: LiveLesson) => {
      const replay = await hls.end(l);
      owners.releaseRoom(l.roomId);
      await sfu.destroyRoom(l.roomId);
      return replay;
    },
  };
}

export type NodeApi = ReturnType<typeof nodeApi>;
export type NodeMethod = keyof NodeApi;
export const NODE_METHODS = new Set<string>([
  'ensureRoom',
  'destroyRoom',
  'claimPeer',
  'adoptPeer',
  'participants',
  'rtpCapabilities',
  'producers',
  'openTransport',
  'connectTransport',
  'produce',
  'closeProducer',
  'consume',
  'resumeConsumer',
  'setLayer',
  'limitUser',
  'closePeer',
  'openPipe',
  'connectPipe',
  'pipeAll',
  'pipeProduce',
  'closePipedProducer',
  'hlsPublished',
  'hlsSource',
  'endLive',
] satisfies NodeMethod[]);
