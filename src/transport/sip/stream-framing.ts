/**
 * SIP over a stream (TCP, TLS): messages framed by Content-Length (RFC 3261 18.3), with bounds. A message larger
 * than maxMessageBytes closes the connection; one begun but not finished within messageMs calls onSlow.
 */
import type { Socket } from 'node:net';
import { streamMessageLength } from '../../sip/codec/message.js';

export interface FramingLimits {
  readonly maxMessageBytes: number;
  readonly messageMs: number;
}

export function frameStream(socket: Socket, limits: FramingLimits, deliver: (message: Buffer) => void, onSlow?: () => void): void {
  let buffer: Buffer = Buffer.alloc(0);
  let partial: NodeJS.Timeout | undefined;
  socket.on('close', () => clearTimeout(partial));
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      while (buffer.length >= 2 && buffer[0] === 13 && buffer[1] === 10) buffer = buffer.subarray(2);
      const need = streamMessageLength(buffer);
      if ((need === undefined && buffer.length > limits.maxMessageBytes) || (need !== undefined && need > limits.maxMessageBytes)) {
        socket.destroy();
        return;
      }
      if (need === undefined || buffer.length < need) break;
      const one = buffer.subarray(0, need);
      buffer = buffer.subarray(need);
      deliver(one);
    }
    if (buffer.length === 0) {
      clearTimeout(partial);
      partial = undefined;
    } else {
      buffer = Buffer.from(buffer);
      if (onSlow && !partial) partial = setTimeout(onSlow, limits.messageMs);
    }
  });
}
