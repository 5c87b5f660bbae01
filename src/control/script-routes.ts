/** Far-end scripts: what calls to a number (or any other, "default") meet: answer, busy, reject, no answer. */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Switchboard } from '../network/switchboard.js';
import { FarEndScriptSchema } from '../network/far-end-script.js';
import { NoContent, refusals, ScriptAnswer, ScriptsAnswer } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { notFound } from './phone-lookup.js';

const NumberParams = Type.Object({ number: Type.String({ description: 'a dialled number, or "default"' }) });

export const scriptSpecs = {
  list: { method: 'GET', url: '/scripts', summary: 'the default script and the per-number scripts', response: { 200: ScriptsAnswer } },
  set: {
    method: 'PUT',
    url: '/scripts/:number',
    summary: 'what calls to a number (or "default") meet',
    params: NumberParams,
    body: FarEndScriptSchema,
    response: { 200: ScriptAnswer, ...refusals(400) },
  },
  remove: {
    method: 'DELETE',
    url: '/scripts/:number',
    summary: 'back to the default script',
    params: NumberParams,
    response: { 204: NoContent, ...refusals(404) },
  },
} as const satisfies Record<string, RouteSpec>;

export function scriptRoutes(switchboard: Switchboard): FastifyPluginAsync {
  return async (app) => {
    addRoute(app, scriptSpecs.list, async () => ({ default: switchboard.defaultScript, numbers: Object.fromEntries(switchboard.scripts) }));
    addRoute(app, scriptSpecs.set, async (req) => {
      const script = req.body;
      if (req.params.number === 'default') switchboard.defaultScript = script;
      else switchboard.scripts.set(req.params.number, script);
      return script;
    });
    addRoute(app, scriptSpecs.remove, async (req, reply) =>
      switchboard.scripts.delete(req.params.number) ? reply.code(204).send() : notFound(reply, 'script for that number'),
    );
  };
}
