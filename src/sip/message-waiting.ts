/**
 * Message waiting (RFC 3842): a voicemail server's message-summary NOTIFY, solicited or not, read into the line's
 * summary, and the answer to it. Only a trusted sender (the server the line is registered with, through which its
 * voicemail server reaches it) changes the MWI; anyone else gets 403.
 */
import type { MessageSummary } from '../phone/lines.js';
import type { SipRequest } from './codec/message.js';
import { responseTo } from './codec/message.js';
import { newTag } from './dialog.js';
import { tagOf } from './name-addr.js';

/** Applies a summary from a trusted sender; the response to send either way. */
export function messageSummary(req: SipRequest, trusted: boolean, apply: (summary: MessageSummary) => void, userAgent: string): Buffer {
  const tag = tagOf(req.headers.get('to')) || newTag();
  if (!trusted) return responseTo(req, 403, 'Forbidden', tag, [['User-Agent', userAgent]]);
  const text = req.body.toString('utf8');
  const waiting = /^Messages-Waiting:\s*yes\b/im.test(text);
  const voice = /^Voice-Message:\s*(\d+)\/(\d+)/im.exec(text);
  apply({ waiting, newMessages: Number(voice?.[1] ?? (waiting ? 1 : 0)), oldMessages: Number(voice?.[2] ?? 0) });
  return responseTo(req, 200, 'OK', tag, [['User-Agent', userAgent]]);
}
