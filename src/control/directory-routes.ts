/**
 * A phone's local contact directory (phone/contact-directory.ts): read it, or edit it as the user does in the phone's
 * Directory menu. An edit is kept across reboots and goes up to the provisioning server as `<mac>-directory.xml`
 * (phone/directory-sync.ts); the server's file replaces it after the next provisioning run.
 */
import type { FastifyPluginAsync } from 'fastify';
import { DirectoryError } from '../phone/contact-directory.js';
import type { ContactDirectory } from '../phone/contact-directory.js';
import { DirectoryAnswer, refusals } from './answers.js';
import { addRoute } from './control-route.js';
import type { RouteSpec } from './control-route.js';
import { IndexParams } from './phone-lookup.js';

export const directorySpecs = {
  get: {
    method: 'GET',
    url: '/phones/:index/directory',
    summary: "the phone's local contact directory",
    params: IndexParams,
    response: { 200: DirectoryAnswer, ...refusals(400, 404) },
  },
  put: {
    method: 'PUT',
    url: '/phones/:index/directory',
    summary:
      "replace the phone's contact directory, as the user editing it on the phone does: kept across reboots, and uploaded as <mac>-directory.xml to the provisioning server's CONTACTS_DIRECTORY",
    params: IndexParams,
    body: DirectoryAnswer,
    response: { 200: DirectoryAnswer, ...refusals(400, 404) },
  },
} as const satisfies Record<string, RouteSpec>;

const describe = (d: ContactDirectory): { contacts: { fn: string; ln: string; ct: string; sd?: number }[] } => ({
  contacts: d.all().map((c) => ({ ...c })),
});

export const directoryRoutes: FastifyPluginAsync = async (app) => {
  addRoute(app, directorySpecs.get, async (req) => describe(req.controlPhone.phone.directory));
  addRoute(app, directorySpecs.put, async (req, reply) => {
    const directory = req.controlPhone.phone.directory;
    try {
      directory.replace(req.body.contacts, 'phone');
    } catch (err) {
      if (err instanceof DirectoryError) return reply.code(400).send({ error: err.message });
      throw err;
    }
    return describe(directory);
  });
};
