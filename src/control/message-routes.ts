/**
 * A phone's instant messages (SIP MESSAGE): the inbox it keeps (phone/messages.ts), marking it read as the user
 * opening it does, and a message sent from one of its lines to a SIP URI through the line's registrar, answered
 * with the status the far end gave (sip/instant-messages.ts).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { MESSAGE_BYTES_MAX as MESSAGE_BODY_MAX } from '../phone/messages.js';
import type { InstantMessage, MessageInbox } from '../phone/messages.js';
import type { InstantMessageAnswer } from './answers.js';
import { InboxAnswer, MessageSentAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const messageSpecs = {
  list: {
    method: 'GET',
    url: '/phones/:index/messages',
    summary: 'the instant messages the phone received and sent (SIP MESSAGE), oldest first, and how many are unread',
    params: IndexParams,
    response: { 200: InboxAnswer, ...refusals(400, 404) },
  },
  read: {
    method: 'POST',
    url: '/phones/:index/messages/read',
    summary: 'mark every message read, as opening the inbox on the phone does (the notification goes); answers the inbox',
    params: IndexParams,
    response: { 200: InboxAnswer, ...refusals(400, 404) },
  },
  send: {
    method: 'POST',
    url: '/phones/:index/lines/:line/messages',
    summary:
      "send an instant message from a line on a SIP server to a SIP URI or number, through the line's registrar; answers the far end's final status",
    params: Type.Object({ ...IndexParams.properties, line: Type.Integer({ minimum: 1 }) }),
    body: Type.Object(
      {
        to: Type.String({ minLength: 1, maxLength: 256, description: 'a SIP URI, or a number or user at the line domain' }),
        text: Type.String({ maxLength: MESSAGE_BODY_MAX, description: `UTF-8, at most ${MESSAGE_BODY_MAX} bytes` }),
      },
      { additionalProperties: false },
    ),
    response: { 200: MessageSentAnswer, ...refusals(400, 404, 409, 413) },
  },
} as const satisfies Record<string, RouteSpec>;

function message(m: InstantMessage): Static<typeof InstantMessageAnswer> {
  return {
    id: m.id,
    line: m.line,
    direction: m.direction,
    peer: m.peer,
    name: m.name,
    text: m.text,
    at: new Date(m.at).toISOString(),
    read: m.read,
  };
}

function describeInbox(inbox: MessageInbox): Static<typeof InboxAnswer> {
  return { unread: inbox.unread, messages: inbox.all().map(message) };
}

export const messageRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, messageSpecs.list, async (req) => describeInbox(req.controlPhone.phone.messages));
  addRoute(app, messageSpecs.read, async (req) => {
    const inbox = req.controlPhone.phone.messages;
    inbox.markAllRead();
    return describeInbox(inbox);
  });
  addRoute(app, messageSpecs.send, async (req, reply) => {
    const { phone, ua } = req.controlPhone;
    const { line } = req.params;
    if (!phone.lines.exists(line)) return reply.code(400).send({ error: `the phone has no line ${line}` });
    if (!ua || !ua.owns(line)) return reply.code(409).send({ error: `line ${line} is not on a SIP server` });
    const answer = await ua.sendMessage(line, req.body.to, req.body.text);
    if (answer.local) return reply.code(answer.status === 413 ? 413 : answer.status === 400 ? 400 : 409).send({ error: answer.reason });
    return { status: answer.status, reason: answer.reason };
  });
};
