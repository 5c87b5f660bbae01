/**
 * The login routes of the control API when it has a token (login.ts says why): GET /login (the form), POST /login
 * (the token, as a form or JSON: sets the cookie and goes back), POST /logout, and what a browser's page request
 * without the cookie gets: the way to the login page, or, with `?login=<one-time code>`, the cookie at once.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { COOKIE, localPath, loginPage } from './login.js';
import type { ControlLogin } from './login.js';
import { LOGIN_PATH } from './guard.js';

/** A browser asking for a page (its navigations send Accept: text/html). */
export const wantsPage = (req: FastifyRequest): boolean =>
  (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');

const pathOf = (url: string): string => url.split('?')[0] ?? '/';

/**
 * For a request the token check refused: a page request is sent to the login page (to come back to where it was);
 * with `?login=<code>` a valid one-time code logs it in and sends it to the page without the code. Answers false
 * when the request is not a browser's page request (it gets the 401 as API clients do).
 */
export function answerLoggedOut(login: ControlLogin, req: FastifyRequest, reply: FastifyReply): boolean {
  if (!wantsPage(req)) return false;
  const url = req.raw.url ?? '/';
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  const code = query.get('login');
  if (code !== null) {
    query.delete('login');
    const back = `${pathOf(url)}${query.size > 0 ? `?${query.toString()}` : ''}`;
    if (login.redeem(code)) {
      void reply.code(303).header('set-cookie', login.setCookie).header('cache-control', 'no-store').redirect(localPath(back), 303);
    } else {
      void reply
        .code(401)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(loginPage(localPath(back), 'This login link was used already or has expired: paste the token.'));
    }
    return true;
  }
  void reply.redirect(`${LOGIN_PATH}?next=${encodeURIComponent(localPath(url))}`, 303);
  return true;
}

/** The login routes, as a plugin (its own form parser stays inside it). */
export function loginRoutes(login: ControlLogin | undefined): FastifyPluginAsync {
  return async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.get<{ Querystring: { next?: string } }>(LOGIN_PATH, async (req, reply) => {
      const next = localPath(req.query.next);
      if (!login || login.hasSession(req.headers.cookie)) return reply.redirect(next, 303);
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(loginPage(next));
    });
    scope.post<{ Body: { token?: unknown; next?: unknown } | undefined }>(LOGIN_PATH, async (req, reply) => {
      const next = localPath(req.body?.next);
      if (!login) return reply.redirect(next, 303);
      const token = req.body?.token;
      if (typeof token !== 'string' || !login.isToken(token.trim())) {
        return reply
          .code(401)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(loginPage(next, 'That is not the token.'));
      }
      return reply.header('set-cookie', login.setCookie).redirect(next, 303);
    });
    scope.post('/logout', async (_req, reply) =>
      reply.header('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`).redirect(LOGIN_PATH, 303),
    );
  };
}
