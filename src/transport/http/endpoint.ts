/**
 * Which phone a connection reaches: each phone's listeners (listeners.ts) tag the sockets they accept with the
 * phone's endpoint, so one HTTP application serves every phone of the process and a request finds its phone from
 * its socket.
 */
import type { Socket } from 'node:net';
import type { PhonePipeline } from '../../gate/pipeline.js';
import type { Phone } from '../../phone/phone.js';

export interface Endpoint {
  readonly phone: Phone;
  readonly pipeline: PhonePipeline;
  readonly secure: boolean;
}

const ENDPOINT = Symbol('polysim.endpoint');
type TaggedSocket = Socket & { [ENDPOINT]?: Endpoint };

export function tagSocket(socket: Socket, endpoint: Endpoint): void {
  (socket as TaggedSocket)[ENDPOINT] = endpoint;
}

export function endpointOfSocket(socket: Socket): Endpoint | undefined {
  return (socket as TaggedSocket)[ENDPOINT];
}
